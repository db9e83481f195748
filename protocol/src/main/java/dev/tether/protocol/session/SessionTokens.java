package dev.tether.protocol.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Session ids and tokens: random, 128 bits or more, stored only as digests and compared in constant time.
 */
public final class SessionTokens {

    /** Random bytes in a token: 256 bits. */
    public static final int TOKEN_BYTES = 32;

    /** Random bytes in a session id: 128 bits. */
    public static final int SESSION_ID_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private SessionTokens() {
    }

    /** A new random session id, URL-safe. */
    public static String newSessionId() {
        return random(SESSION_ID_BYTES);
    }

    /** A new random token, URL-safe. */
    public static String newToken() {
        return random(TOKEN_BYTES);
    }

    /** The SHA-256 digest of a token: what stores keep instead of the token. */
    public static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Whether {@code token} matches {@code digest}, in time that does not depend on where they differ. */
    public static boolean matches(String token, byte[] digest) {
        return MessageDigest.isEqual(digest(token), digest);
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return ENCODER.encodeToString(value);
    }
}
