package dev.tether.protocol;

/**
 * The tokens a language model counted for one reply, as its upstream reported them, carried by the reply's
 * {@link AssistantDone}.
 *
 * @param promptTokens     tokens of the request (system prompt, history and the new message), &gt;= 0
 * @param completionTokens tokens of the reply, &gt;= 0
 */
public record TokenUsage(long promptTokens, long completionTokens) {

    public TokenUsage {
        Checks.atLeast("promptTokens", promptTokens, 0);
        Checks.atLeast("completionTokens", completionTokens, 0);
    }
}
