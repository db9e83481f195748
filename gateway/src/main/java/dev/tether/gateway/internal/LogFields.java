package dev.tether.gateway.internal;

import net.logstash.logback.argument.StructuredArgument;
import net.logstash.logback.argument.StructuredArguments;

/**
 * The ids a log line is about, passed as arguments of the log call itself: in text they read as the bare id, in
 * JSON ({@code --log-format json}) each is a field of its own ({@code "session"}, {@code "connection"}). Explicit
 * arguments rather than the MDC, whose thread-local values would leak between the sessions a Reactor thread serves.
 */
final class LogFields {

    private LogFields() {
    }

    /** A session id, as field {@code session}. */
    static StructuredArgument session(String sessionId) {
        return StructuredArguments.value("session", sessionId);
    }

    /** A connection id (the channel's short id), as field {@code connection}. */
    static StructuredArgument connection(String connectionId) {
        return StructuredArguments.value("connection", connectionId);
    }
}
