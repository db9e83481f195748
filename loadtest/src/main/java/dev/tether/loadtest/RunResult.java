package dev.tether.loadtest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one run.
 *
 * @param scenario  the scenario's name
 * @param label     what distinguishes this run, for example {@code jitter-on}
 * @param passed    whether every check held: no frame or message lost, duplicated or reordered, no failed resume
 * @param losses    every loss count by name; all zero when the run passed
 * @param counts    every count of the run by name, as in the JSON report
 * @param problems  the first problems found, described
 * @param directory the folder holding {@code summary.txt}, {@code report.json} and {@code report.html}
 */
public record RunResult(String scenario, String label, boolean passed, Map<String, Long> losses,
                        Map<String, Object> counts, List<String> problems, Path directory) {

    public RunResult {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(label, "label");
        losses = Map.copyOf(losses);
        counts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counts));
        problems = List.copyOf(problems);
        Objects.requireNonNull(directory, "directory");
    }

    /** {@code PASS} or {@code FAIL}. */
    public String verdict() {
        return passed ? "PASS" : "FAIL";
    }

    /** A count by name, 0 when absent or not a number. */
    public long count(String name) {
        return counts.get(name) instanceof Number number ? number.longValue() : 0;
    }
}
