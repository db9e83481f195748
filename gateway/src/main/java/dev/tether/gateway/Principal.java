package dev.tether.gateway;

import java.time.Instant;
import java.util.Objects;

/**
 * Who a connection authenticated as: the {@code sub} of its token, and when that token expires.
 *
 * @param sub       the user's id, as the token's issuer names it; the owner of the sessions the connection creates
 * @param expiresAt when the token presented last expires; the connection is closed then unless it presents another
 */
public record Principal(String sub, Instant expiresAt) {

    public Principal {
        Objects.requireNonNull(sub, "sub");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
