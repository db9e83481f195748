package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the one reference of the gateway's flags: it lists each, and nothing else. */
class ReadmeConfigurationTest {

    private static final Pattern FLAG = Pattern.compile("`(--[a-z][a-z-]*)`");

    @Test
    void theTableListsEveryFlagAndNothingElse() throws IOException {
        Set<String> documented = new TreeSet<>(tableFlags(Path.of("..", "README.md")));
        Set<String> accepted = new TreeSet<>(GatewayCommand.options());
        accepted.removeAll(List.of("--help", "--version"));
        assertThat(documented).as("flags in the README's configuration table").isEqualTo(accepted);
    }

    @Test
    void theTableDocumentsEachDefaultTheHelpShows() throws IOException {
        String table = String.join("\n", tableRows(Path.of("..", "README.md")));
        for (Flag<?> flag : GatewayFlags.ALL) {
            assertThat(table).as("the default of " + flag.option()).contains(flag.defaultText());
        }
    }

    private static List<String> tableFlags(Path readme) throws IOException {
        List<String> flags = new ArrayList<>();
        for (String row : tableRows(readme)) {
            String firstColumn = row.split("\\|")[1];
            Matcher matcher = FLAG.matcher(firstColumn);
            while (matcher.find()) {
                flags.add(matcher.group(1));
            }
        }
        return flags;
    }

    /** The rows of the first table under "## Configuration", header and separator excluded. */
    private static List<String> tableRows(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        int section = lines.indexOf("## Configuration");
        assertThat(section).as("the README has a Configuration section").isNotNegative();
        List<String> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : lines.subList(section + 1, lines.size())) {
            if (line.startsWith("|")) {
                inTable = true;
                rows.add(line);
            } else if (inTable) {
                break;
            }
        }
        assertThat(rows).as("the configuration table").hasSizeGreaterThan(2);
        return rows.subList(2, rows.size());
    }
}
