package dev.tether.gateway.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** The token of an {@code Authorization: Bearer} header (RFC 6750). */
final class Bearer {

    private static final String SCHEME = "bearer ";

    private Bearer() {
    }

    /** The bearer token in {@code headers}, or {@code null} when there is none. */
    static String token(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (value == null || value.length() <= SCHEME.length()
                || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        String token = value.substring(SCHEME.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
