package dev.tether.gateway;

import dev.tether.protocol.Checks;

/**
 * How much of the conversation {@link ConversationContext#history} returns: the newest turns that fit both bounds.
 *
 * @param maxMessages the most turns, 0 to {@link #MAX_MESSAGES}
 * @param maxChars    the most characters of all the turns' text together, 0 to {@link #MAX_CHARS}
 */
public record HistoryLimits(int maxMessages, int maxChars) {

    /** The most turns that can be asked for. */
    public static final int MAX_MESSAGES = 100_000;
    /** The most characters that can be asked for. */
    public static final int MAX_CHARS = 100_000_000;
    /** Turns sent by default: {@value}. */
    public static final int DEFAULT_MAX_MESSAGES = 40;
    /** Characters sent by default: {@value}. */
    public static final int DEFAULT_MAX_CHARS = 32_000;

    public HistoryLimits {
        Checks.between("maxMessages", maxMessages, 0, MAX_MESSAGES);
        Checks.between("maxChars", maxChars, 0, MAX_CHARS);
    }

    /** The defaults: {@value #DEFAULT_MAX_MESSAGES} turns, {@value #DEFAULT_MAX_CHARS} characters. */
    public static HistoryLimits defaults() {
        return new HistoryLimits(DEFAULT_MAX_MESSAGES, DEFAULT_MAX_CHARS);
    }
}
