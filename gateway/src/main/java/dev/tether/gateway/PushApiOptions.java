package dev.tether.gateway;

import java.util.Optional;

/**
 * The backend push endpoint {@code POST /api/v1/sessions/{id}/events}: on with an API key, off (it answers 404)
 * without one. Immutable.
 */
public final class PushApiOptions {

    /** Shortest accepted API key: 16 characters. */
    public static final int MIN_API_KEY_LENGTH = 16;

    private static final PushApiOptions OFF = new PushApiOptions(null);

    private final String apiKey;

    private PushApiOptions(String apiKey) {
        this.apiKey = apiKey;
    }

    /** The endpoint off: the default. */
    public static PushApiOptions off() {
        return OFF;
    }

    /**
     * The endpoint on, answering requests that carry {@code apiKey}.
     *
     * @param apiKey at least {@link #MIN_API_KEY_LENGTH} characters
     */
    public static PushApiOptions withApiKey(String apiKey) {
        if (apiKey == null || apiKey.length() < MIN_API_KEY_LENGTH) {
            // The key is a credential: its length, never its value, goes into the message.
            throw new IllegalArgumentException("apiKey must be at least " + MIN_API_KEY_LENGTH + " characters, got "
                    + (apiKey == null ? "none" : apiKey.length()));
        }
        return new PushApiOptions(apiKey);
    }

    /** The API key; empty when the endpoint is off. */
    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    @Override
    public String toString() {
        return "PushApiOptions[apiKey=" + (apiKey == null ? "none" : "***") + "]";
    }
}
