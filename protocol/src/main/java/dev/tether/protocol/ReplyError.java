package dev.tether.protocol;

import java.util.Objects;

/**
 * Why a reply ended {@code failed}, carried by its {@link AssistantDone}: a machine-readable code and a message for
 * people.
 *
 * <p>Both come from a handler, so both are bounded here, whatever it wrote, for the done frame to fit in the smallest
 * frame limit: well-formed Unicode, the code at most {@link #MAX_CODE_BYTES} and the message at most
 * {@link #MAX_MESSAGE_BYTES} encoded, cut between code points with an ellipsis.
 *
 * <p>The codes the gateway's own handlers use are the constants below; an application's handler may use its own.
 *
 * @param code    non-empty, for example {@link #UPSTREAM_UNAVAILABLE}
 * @param message what happened, possibly empty
 */
public record ReplyError(String code, String message) {

    /** The upstream could not be reached, or answered 429 or 5xx, until the retries ran out. */
    public static final String UPSTREAM_UNAVAILABLE = "upstream_unavailable";
    /** The upstream refused the request (a 4xx other than 429): retrying would not help. */
    public static final String UPSTREAM_REJECTED = "upstream_rejected";
    /** The upstream sent no first token in time. */
    public static final String UPSTREAM_TIMEOUT = "upstream_timeout";
    /** The upstream's stream broke, or was not what the protocol says, after it started. */
    public static final String UPSTREAM_BROKEN = "upstream_broken";
    /** The handler failed for a reason of its own. */
    public static final String HANDLER_FAILED = "handler_failed";

    /** The most bytes a code takes encoded (UTF-8, JSON escapes included): 64. */
    public static final int MAX_CODE_BYTES = 64;
    /** The most bytes a message takes encoded (UTF-8, JSON escapes included): 512. */
    public static final int MAX_MESSAGE_BYTES = 512;

    public ReplyError {
        code = EncodedText.bounded(Objects.requireNonNull(code, "code"), MAX_CODE_BYTES);
        message = EncodedText.bounded(Objects.requireNonNull(message, "message"), MAX_MESSAGE_BYTES);
        if (code.isEmpty()) {
            throw new IllegalArgumentException("code must not be empty");
        }
    }
}
