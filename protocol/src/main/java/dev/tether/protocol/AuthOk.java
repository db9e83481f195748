package dev.tether.protocol;

/**
 * The gateway's answer to {@link ClientAuth}: the new token is accepted and the connection lives until it expires.
 *
 * @param expiresAt when the accepted token expires, in milliseconds since the epoch; 0 when the gateway authenticates
 *                  nobody, so that nothing expires
 */
public record AuthOk(long expiresAt) implements ServerFrame {

    public static final String TYPE = "auth_ok";

    @Override
    public String type() {
        return TYPE;
    }
}
