package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayConfig;
import dev.tether.protocol.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One gateway setting as an operator gives it: a flag, its {@code TETHER_*} environment variable and its config-file
 * key, with the type its text is read as and the part of {@link GatewayConfig} it sets. May change without notice.
 *
 * @param name        the flag without {@code --}, which is also the config-file key
 * @param label       the value's placeholder in the help, such as {@code DURATION}
 * @param description what the setting does, for the help
 * @param type        the value's type
 * @param read        reads the value's text; throws {@link IllegalArgumentException} saying the accepted form
 * @param defaultText the default as the help shows it
 * @param apply       sets the value on a configuration being built; throws {@link IllegalArgumentException} naming the
 *                    parameter and its range
 * @param <T>         the value's type
 */
record Flag<T>(String name, String label, String description, Class<T> type, Function<String, T> read,
               String defaultText, BiConsumer<GatewayConfig.Builder, T> apply) {

    /** A setting read as a duration, such as {@code 20ms} or {@code 5m}. */
    static Flag<Duration> duration(String name, String description, Duration defaultValue,
                                   BiConsumer<GatewayConfig.Builder, Duration> apply) {
        return new Flag<>(name, "DURATION", description, Duration.class, Durations::parse,
                Durations.format(defaultValue), apply);
    }

    /** A setting read as a whole number. */
    static Flag<Integer> integer(String name, String label, String description, int defaultValue,
                                 BiConsumer<GatewayConfig.Builder, Integer> apply) {
        return new Flag<>(name, label, description, Integer.class, Flag::wholeNumber, Integer.toString(defaultValue),
                apply);
    }

    /** A setting read as a whole number that is unset by default ({@code none}). */
    static Flag<Integer> optionalInteger(String name, String label, String description,
                                         BiConsumer<GatewayConfig.Builder, Integer> apply) {
        return new Flag<>(name, label, description, Integer.class, Flag::wholeNumber, "none", apply);
    }

    /** A setting read as {@code on} or {@code off}. */
    static Flag<Boolean> onOff(String name, String description, boolean defaultValue,
                               BiConsumer<GatewayConfig.Builder, Boolean> apply) {
        return new Flag<>(name, "on|off", description, Boolean.class, Flag::onOrOff, defaultValue ? "on" : "off",
                apply);
    }

    /** A setting read as text. */
    static Flag<String> text(String name, String label, String description, String defaultText,
                             BiConsumer<GatewayConfig.Builder, String> apply) {
        return new Flag<>(name, label, description, String.class, String::trim, defaultText, apply);
    }

    /**
     * A setting that may be given several times, such as {@code --llm-param a=1 --llm-param b=2}; in the environment
     * variable or the config file, the values are separated by spaces.
     */
    static Flag<String[]> repeated(String name, String label, String description,
                                   BiConsumer<GatewayConfig.Builder, String> apply) {
        return new Flag<>(name, label, description, String[].class, text -> text.trim().split("\\s+"), "none",
                (builder, values) -> {
                    for (String value : values) {
                        if (!value.isBlank()) {
                            apply.accept(builder, value);
                        }
                    }
                });
    }

    Flag {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(read, "read");
        Objects.requireNonNull(apply, "apply");
    }

    /** The flag, such as {@code --max-frame}. */
    String option() {
        return "--" + name;
    }

    /** The environment variable, such as {@code TETHER_MAX_FRAME}. */
    String env() {
        return "TETHER_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * Reads {@code text} and sets it on {@code builder}.
     *
     * @param source where the text came from, such as {@code TETHER_PORT}, to begin any error message with
     */
    void applyText(GatewayConfig.Builder builder, String text, String source) {
        T value;
        try {
            value = read.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        applyValue(builder, value, source);
    }

    /** Sets a value already read (by picocli, from a flag) on {@code builder}. */
    void applyValue(GatewayConfig.Builder builder, Object value, String source) {
        try {
            apply.accept(builder, type.cast(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static Boolean onOrOff(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            // YAML reads a bare on or off as a boolean, which arrives here as true or false.
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("expected on or off, got \"" + text + "\"");
        };
    }

    private static Integer wholeNumber(String text) {
        try {
            return Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number, got \"" + text + "\"", e);
        }
    }
}
