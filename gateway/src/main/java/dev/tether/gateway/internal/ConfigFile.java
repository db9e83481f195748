package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A config file of flag values keyed by the flag's name without {@code --}: YAML when the name ends in {@code .yaml}
 * or {@code .yml}, Java properties otherwise. Every value is a scalar. May change without notice.
 */
final class ConfigFile {

    private ConfigFile() {
    }

    /**
     * The file's keys and values, in the file's order.
     *
     * @throws IllegalArgumentException naming the file, if it cannot be read or is not a flat map of scalars
     */
    static Map<String, String> read(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        try {
            return name.endsWith(".yaml") || name.endsWith(".yml") ? yaml(file) : properties(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted()
                .forEach(key -> values.put(key, properties.getProperty(key).trim()));
        return values;
    }

    private static Map<String, String> yaml(Path file) throws IOException {
        JsonNode root = new YAMLMapper().readTree(file.toFile());
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("--config " + file + ": expected a map of flag names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                throw new IllegalArgumentException("--config " + file + ": " + entry.getKey()
                        + " must be a single value, such as 8787 or 25s");
            }
            values.put(entry.getKey(), entry.getValue().asText());
        }
        return values;
    }
}
