package dev.tether.protocol;

/**
 * A fresh credential for the connection, sent before the one presented in {@code hello} expires; the gateway answers
 * {@link AuthOk}, or closes with {@link CloseCode#UNAUTHORIZED} when the token is invalid or names another user.
 *
 * @param token the compact serialization of a JSON Web Token
 */
public record ClientAuth(String token) implements ClientFrame {

    public static final String TYPE = "auth";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String toString() {
        // A bearer token is a credential: never print it.
        return "ClientAuth[token=***]";
    }
}
