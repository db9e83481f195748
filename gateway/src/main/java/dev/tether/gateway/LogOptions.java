package dev.tether.gateway;

import java.util.Locale;
import java.util.Objects;

/**
 * How the gateway run from the command line ({@link Main}) logs: plain text or one JSON object per line, and how
 * much. An application that embeds the gateway configures its own logging, and these options do nothing there.
 * Immutable; build with {@link #builder()}.
 *
 * @param format {@link Format#TEXT} for people, {@link Format#JSON} for log collectors; default
 *               {@link #DEFAULT_FORMAT}
 * @param level  the level of the gateway's own loggers ({@code dev.tether}): {@code error}, {@code warn},
 *               {@code info}, {@code debug} or {@code trace}; default {@link #DEFAULT_LEVEL}
 */
public record LogOptions(Format format, String level) {

    /** Default format: text. */
    public static final Format DEFAULT_FORMAT = Format.TEXT;
    /** Default level: {@value}. */
    public static final String DEFAULT_LEVEL = "info";

    /** How each log line is written. */
    public enum Format {
        /** {@code 12:00:00.000 INFO  Logger - message}. */
        TEXT,
        /**
         * One JSON object per line (logstash-logback-encoder): {@code @timestamp}, {@code level}, {@code message},
         * {@code logger_name}, {@code thread_name}, {@code node}, and {@code session} and {@code connection} where
         * the line is about one.
         */
        JSON
    }

    public LogOptions {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
        level = level.trim().toLowerCase(Locale.ROOT);
        if (!level.matches("error|warn|info|debug|trace")) {
            throw new IllegalArgumentException("level must be one of error, warn, info, debug, trace, got \""
                    + level + "\"");
        }
    }

    /** The defaults. */
    public static LogOptions defaults() {
        return new LogOptions(DEFAULT_FORMAT, DEFAULT_LEVEL);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link LogOptions}; each setter validates its argument. */
    public static final class Builder {
        private LogOptions o;

        private Builder(LogOptions options) {
            this.o = options;
        }

        /** Text or JSON. */
        public Builder format(Format format) {
            o = new LogOptions(format, o.level);
            return this;
        }

        /** The level of the gateway's own loggers: error, warn, info, debug or trace. */
        public Builder level(String level) {
            o = new LogOptions(o.format, level);
            return this;
        }

        public LogOptions build() {
            return o;
        }
    }
}
