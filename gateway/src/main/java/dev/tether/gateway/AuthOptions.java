package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may connect: nobody is asked ({@link Mode#NONE}, the default), or every connection presents a JSON Web Token
 * ({@link Mode#JWT}) verified with a shared secret (HS256) or with the keys of a JWKS URL (RS256, ES256). Immutable;
 * build with {@link #builder()}. The secret never appears in {@link #toString()}.
 */
public final class AuthOptions {

    /** How connections are authenticated. */
    public enum Mode {
        /** Nobody is asked for a token; sessions belong to nobody. */
        NONE,
        /** Every connection presents a JSON Web Token; sessions belong to its {@code sub}. */
        JWT
    }

    /** Shortest accepted HS256 secret: 32 bytes (UTF-8), the size of the hash. */
    public static final int MIN_SECRET_BYTES = 32;
    /** Default tolerance on {@code exp} and {@code nbf} for clocks that disagree: 30 seconds. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** Default least time between two fetches of the JWKS, whatever unknown key ids arrive: 30 seconds. */
    public static final Duration DEFAULT_JWKS_MIN_REFRESH = Duration.ofSeconds(30);
    /** Default time the JWKS is kept before it is fetched again: 10 minutes. */
    public static final Duration DEFAULT_JWKS_MAX_AGE = Duration.ofMinutes(10);
    /** Default bound on one fetch of the JWKS: 5 seconds. */
    public static final Duration DEFAULT_JWKS_TIMEOUT = Duration.ofSeconds(5);

    private static final AuthOptions DEFAULTS = new Builder().build();

    private final Mode mode;
    private final String secret;
    private final URI jwksUrl;
    private final String issuer;
    private final String audience;
    private final Duration clockSkew;
    private final Duration jwksMinRefresh;
    private final Duration jwksMaxAge;
    private final Duration jwksTimeout;

    private AuthOptions(Builder b) {
        this.mode = b.mode;
        this.secret = b.secret;
        this.jwksUrl = b.jwksUrl;
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.clockSkew = b.clockSkew;
        this.jwksMinRefresh = b.jwksMinRefresh;
        this.jwksMaxAge = b.jwksMaxAge;
        this.jwksTimeout = b.jwksTimeout;
    }

    /** No authentication: the default. */
    public static AuthOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.secret = secret;
        b.jwksUrl = jwksUrl;
        b.issuer = issuer;
        b.audience = audience;
        b.clockSkew = clockSkew;
        b.jwksMinRefresh = jwksMinRefresh;
        b.jwksMaxAge = jwksMaxAge;
        b.jwksTimeout = jwksTimeout;
        return b;
    }

    /** How connections are authenticated; default {@link Mode#NONE}. */
    public Mode mode() {
        return mode;
    }

    /** Whether every connection must present a token. */
    public boolean required() {
        return mode == Mode.JWT;
    }

    /** The HS256 secret; empty when none is configured. */
    public Optional<String> secret() {
        return Optional.ofNullable(secret);
    }

    /** Where the RS256 and ES256 keys are published; empty when none is configured. */
    public Optional<URI> jwksUrl() {
        return Optional.ofNullable(jwksUrl);
    }

    /** The {@code iss} every token must carry; empty to accept any. */
    public Optional<String> issuer() {
        return Optional.ofNullable(issuer);
    }

    /** The {@code aud} every token must include; empty to accept any. */
    public Optional<String> audience() {
        return Optional.ofNullable(audience);
    }

    /** The tolerance on {@code exp} and {@code nbf}; default {@link #DEFAULT_CLOCK_SKEW}. */
    public Duration clockSkew() {
        return clockSkew;
    }

    /** The least time between two fetches of the JWKS; default {@link #DEFAULT_JWKS_MIN_REFRESH}. */
    public Duration jwksMinRefresh() {
        return jwksMinRefresh;
    }

    /** How long a fetched JWKS is used before it is fetched again; default {@link #DEFAULT_JWKS_MAX_AGE}. */
    public Duration jwksMaxAge() {
        return jwksMaxAge;
    }

    /** The bound on one fetch of the JWKS; default {@link #DEFAULT_JWKS_TIMEOUT}. */
    public Duration jwksTimeout() {
        return jwksTimeout;
    }

    /**
     * Checks that the options can authenticate anyone: {@link Mode#JWT} needs a secret or a JWKS URL.
     *
     * @throws IllegalArgumentException naming the missing setting
     */
    public AuthOptions requireUsable() {
        if (mode == Mode.JWT && secret == null && jwksUrl == null) {
            throw new IllegalArgumentException("--auth jwt needs --jwt-secret (or TETHER_JWT_SECRET) or "
                    + "--jwt-jwks-url");
        }
        return this;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AuthOptions o && mode == o.mode && Objects.equals(secret, o.secret)
                && Objects.equals(jwksUrl, o.jwksUrl) && Objects.equals(issuer, o.issuer)
                && Objects.equals(audience, o.audience) && clockSkew.equals(o.clockSkew)
                && jwksMinRefresh.equals(o.jwksMinRefresh) && jwksMaxAge.equals(o.jwksMaxAge)
                && jwksTimeout.equals(o.jwksTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, secret, jwksUrl, issuer, audience, clockSkew, jwksMinRefresh, jwksMaxAge,
                jwksTimeout);
    }

    @Override
    public String toString() {
        // The secret is a credential: never its value.
        return "AuthOptions[mode=" + mode.name().toLowerCase(Locale.ROOT) + ", secret="
                + (secret == null ? "none" : "***") + ", jwksUrl=" + (jwksUrl == null ? "none" : jwksUrl)
                + ", issuer=" + (issuer == null ? "any" : issuer) + ", audience="
                + (audience == null ? "any" : audience) + ", clockSkew=" + clockSkew + "]";
    }

    /** Builds {@link AuthOptions}; each setter validates its argument. */
    public static final class Builder {
        private Mode mode = Mode.NONE;
        private String secret;
        private URI jwksUrl;
        private String issuer;
        private String audience;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private Duration jwksMinRefresh = DEFAULT_JWKS_MIN_REFRESH;
        private Duration jwksMaxAge = DEFAULT_JWKS_MAX_AGE;
        private Duration jwksTimeout = DEFAULT_JWKS_TIMEOUT;

        private Builder() {
        }

        /** How connections are authenticated. */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The HS256 secret, at least {@link #MIN_SECRET_BYTES} bytes in UTF-8. */
        public Builder secret(String secret) {
            int bytes = secret == null ? 0 : secret.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < MIN_SECRET_BYTES) {
                // The secret is a credential: its length, never its value, goes into the message.
                throw new IllegalArgumentException("jwtSecret must be at least " + MIN_SECRET_BYTES
                        + " bytes, got " + (secret == null ? "none" : bytes));
            }
            this.secret = secret;
            return this;
        }

        /** Where the RS256 and ES256 keys are published: an {@code http} or {@code https} URL with a host. */
        public Builder jwksUrl(URI jwksUrl) {
            Objects.requireNonNull(jwksUrl, "jwksUrl");
            String scheme = jwksUrl.getScheme() == null ? "" : jwksUrl.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || jwksUrl.getHost() == null) {
                throw new IllegalArgumentException("jwksUrl must be an http or https URL with a host, got "
                        + jwksUrl);
            }
            this.jwksUrl = jwksUrl;
            return this;
        }

        /** The JWKS URL as text; see {@link #jwksUrl(URI)}. */
        public Builder jwksUrl(String jwksUrl) {
            try {
                return jwksUrl(URI.create(Objects.requireNonNull(jwksUrl, "jwksUrl").trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith("jwksUrl must")
                        ? e.getMessage() : "jwksUrl must be an http or https URL, got \"" + jwksUrl + "\"", e);
            }
        }

        /** The {@code iss} every token must carry, not blank. */
        public Builder issuer(String issuer) {
            this.issuer = Checks.nonBlank("issuer", issuer);
            return this;
        }

        /** The {@code aud} every token must include, not blank. */
        public Builder audience(String audience) {
            this.audience = Checks.nonBlank("audience", audience);
            return this;
        }

        /** The tolerance on {@code exp} and {@code nbf}, 0 to 10 minutes. */
        public Builder clockSkew(Duration clockSkew) {
            this.clockSkew = Checks.between("clockSkew", clockSkew, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /** The least time between two fetches of the JWKS, 0 to 1 hour. */
        public Builder jwksMinRefresh(Duration jwksMinRefresh) {
            this.jwksMinRefresh = Checks.between("jwksMinRefresh", jwksMinRefresh, Duration.ZERO,
                    Duration.ofHours(1));
            return this;
        }

        /** How long a fetched JWKS is used before it is fetched again, 1 second to 1 day. */
        public Builder jwksMaxAge(Duration jwksMaxAge) {
            this.jwksMaxAge = Checks.between("jwksMaxAge", jwksMaxAge, Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /** The bound on one fetch of the JWKS, 1 millisecond to 1 minute. */
        public Builder jwksTimeout(Duration jwksTimeout) {
            this.jwksTimeout = Checks.between("jwksTimeout", jwksTimeout, Duration.ofMillis(1),
                    Duration.ofMinutes(1));
            return this;
        }

        public AuthOptions build() {
            return new AuthOptions(this);
        }
    }
}
