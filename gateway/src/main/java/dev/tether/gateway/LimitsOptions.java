package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one client address and one user may do on a gateway node, and which web pages may open connections.
 * Addresses are told apart as {@link ProxyOptions} says; users by the {@code sub} of their token. Every limit is per
 * node (a user connected to two nodes has each node's allowance), counted in memory; 0 turns a limit off. Immutable; build with
 * {@link #builder()}.
 *
 * <p>The limits per address and per user are off by default: behind a load balancer whose proxies are not configured as
 * trusted, every client has the balancer's address, and one limit would throttle them all.
 *
 * @param allowedOrigins           the origins ({@code https://chat.example.com}) whose pages may connect; an upgrade
 *                                 with an {@code Origin} header not listed is answered 403; a request without the
 *                                 header (not from a browser) is not checked; empty, the default, allows any
 * @param addressHandshakeRate     WebSocket upgrades per second from one client address in the long run (a token
 *                                 bucket); more are closed with 1013 and a retry-after hint; 0 (default) for no limit
 * @param addressHandshakeBurst    upgrades one client address may make at once after a pause, the bucket's size;
 *                                 default {@link #DEFAULT_ADDRESS_HANDSHAKE_BURST}
 * @param maxConnectionsPerAddress connections open at once from one client address; more are closed with 1013 and a
 *                                 retry-after hint; 0 (default) for no limit
 * @param failedAuthLimit          connections from one client address per minute whose token is refused (4001);
 *                                 past it, the address's connections are closed with 1008 for
 *                                 {@code failedAuthCooldown} without their token being read; default
 *                                 {@link #DEFAULT_FAILED_AUTH_LIMIT}
 * @param failedAuthCooldown       how long an address over {@code failedAuthLimit} is refused; default
 *                                 {@link #DEFAULT_FAILED_AUTH_COOLDOWN}
 * @param maxConnectionsPerUser    connections of one authenticated user open at once on this node; more are closed
 *                                 with 1013 and a retry-after hint; 0 (default) for no limit
 * @param userSessionsPerMinute    new sessions one authenticated user may start per minute on this node (a token
 *                                 bucket as large as the minute's worth); more are closed with 1013 and a hint; 0
 *                                 (default) for no limit
 * @param userMessagesPerMinute    user messages one user may send per minute on this node (a token bucket as large as
 *                                 the minute's worth); more are answered {@code error rate_limited} with a
 *                                 retry-after and neither stored nor acknowledged. Without authentication each
 *                                 session counts as its own user. 0 (default) for no limit
 * @param maxIgnoredRateLimits     messages a connection may send while told to wait (a second or more after the
 *                                 {@code rate_limited}, or a resend of a refused message before the hint) before it is
 *                                 closed with 1008; default {@link #DEFAULT_MAX_IGNORED_RATE_LIMITS}
 */
public record LimitsOptions(List<String> allowedOrigins, int addressHandshakeRate, int addressHandshakeBurst,
                            int maxConnectionsPerAddress, int failedAuthLimit, Duration failedAuthCooldown,
                            int maxConnectionsPerUser, int userSessionsPerMinute, int userMessagesPerMinute,
                            int maxIgnoredRateLimits) {

    /** Default number of upgrades a client address may make at once after a pause: 20. */
    public static final int DEFAULT_ADDRESS_HANDSHAKE_BURST = 20;

    /** Default number of refused tokens per minute from one client address before its cool-down: 20. */
    public static final int DEFAULT_FAILED_AUTH_LIMIT = 20;
    /** Default cool-down of an address over the failed-authentication limit: 5 minutes. */
    public static final Duration DEFAULT_FAILED_AUTH_COOLDOWN = Duration.ofMinutes(5);
    /** Default number of messages sent while told to wait before a connection is closed with 1008: 10. */
    public static final int DEFAULT_MAX_IGNORED_RATE_LIMITS = 10;
    /** The window in which failed authentications are counted: 1 minute. */
    public static final Duration FAILED_AUTH_WINDOW = Duration.ofMinutes(1);

    private static final Pattern ORIGIN = Pattern.compile("[a-z][a-z0-9+.-]*://[^/\\s]+|null");

    public LimitsOptions {
        allowedOrigins = Objects.requireNonNull(allowedOrigins, "allowedOrigins").stream()
                .map(LimitsOptions::origin).toList();
        Checks.between("addressHandshakeRate", addressHandshakeRate, 0, 1_000_000);
        Checks.between("addressHandshakeBurst", addressHandshakeBurst, 1, 1_000_000);
        Checks.between("maxConnectionsPerAddress", maxConnectionsPerAddress, 0, 10_000_000);
        Checks.between("failedAuthLimit", failedAuthLimit, 1, 1_000_000);
        Checks.between("failedAuthCooldown", failedAuthCooldown, Duration.ofSeconds(1), Duration.ofDays(1));
        Checks.between("maxConnectionsPerUser", maxConnectionsPerUser, 0, 10_000_000);
        Checks.between("userSessionsPerMinute", userSessionsPerMinute, 0, 1_000_000);
        Checks.between("userMessagesPerMinute", userMessagesPerMinute, 0, 1_000_000);
        Checks.between("maxIgnoredRateLimits", maxIgnoredRateLimits, 1, 1_000_000);
    }

    /** The defaults: any origin, no limit per address. */
    public static LimitsOptions defaults() {
        return new LimitsOptions(List.of(), 0, DEFAULT_ADDRESS_HANDSHAKE_BURST, 0, DEFAULT_FAILED_AUTH_LIMIT,
                DEFAULT_FAILED_AUTH_COOLDOWN, 0, 0, 0, DEFAULT_MAX_IGNORED_RATE_LIMITS);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether a page of {@code origin}, as its {@code Origin} header gives it, may connect. */
    public boolean allowsOrigin(String origin) {
        if (allowedOrigins.isEmpty()) {
            return true;
        }
        String normalized = strip(origin);
        return allowedOrigins.contains(normalized);
    }

    /** An origin as compared: lower case, without a trailing slash. */
    private static String strip(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static String origin(String origin) {
        String normalized = strip(Objects.requireNonNull(origin, "allowedOrigins entry"));
        if (!ORIGIN.matcher(normalized).matches()) {
            throw new IllegalArgumentException("allowedOrigins entries must be origins such as "
                    + "https://chat.example.com (scheme, host, optional port, no path), got \"" + origin + "\"");
        }
        return normalized;
    }

    /** Builds {@link LimitsOptions}; each setter validates its argument. */
    public static final class Builder {
        private List<String> allowedOrigins;
        private int addressHandshakeRate;
        private int addressHandshakeBurst;
        private int maxConnectionsPerAddress;
        private int failedAuthLimit;
        private Duration failedAuthCooldown;
        private int maxConnectionsPerUser;
        private int userSessionsPerMinute;
        private int userMessagesPerMinute;
        private int maxIgnoredRateLimits;

        private Builder(LimitsOptions o) {
            allowedOrigins = o.allowedOrigins;
            addressHandshakeRate = o.addressHandshakeRate;
            addressHandshakeBurst = o.addressHandshakeBurst;
            maxConnectionsPerAddress = o.maxConnectionsPerAddress;
            failedAuthLimit = o.failedAuthLimit;
            failedAuthCooldown = o.failedAuthCooldown;
            maxConnectionsPerUser = o.maxConnectionsPerUser;
            userSessionsPerMinute = o.userSessionsPerMinute;
            userMessagesPerMinute = o.userMessagesPerMinute;
            maxIgnoredRateLimits = o.maxIgnoredRateLimits;
        }

        /** The origins whose pages may connect; empty for any. */
        public Builder allowedOrigins(List<String> allowedOrigins) {
            this.allowedOrigins = allowedOrigins;
            return validated();
        }

        /** The origins whose pages may connect, comma- or space-separated; blank or {@code any} for any. */
        public Builder allowedOrigins(String list) {
            String trimmed = list.trim();
            return allowedOrigins(trimmed.isEmpty() || trimmed.equalsIgnoreCase("any") ? List.of()
                    : Arrays.stream(trimmed.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList());
        }

        /** Upgrades per second from one client address in the long run, 0 (no limit) to 1,000,000. */
        public Builder addressHandshakeRate(int addressHandshakeRate) {
            this.addressHandshakeRate = addressHandshakeRate;
            return validated();
        }

        /** Upgrades one client address may make at once after a pause, 1 to 1,000,000. */
        public Builder addressHandshakeBurst(int addressHandshakeBurst) {
            this.addressHandshakeBurst = addressHandshakeBurst;
            return validated();
        }

        /** Connections open at once from one client address, 0 (no limit) to 10,000,000. */
        public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
            this.maxConnectionsPerAddress = maxConnectionsPerAddress;
            return validated();
        }

        /** Refused tokens per minute from one client address before its cool-down, 1 to 1,000,000. */
        public Builder failedAuthLimit(int failedAuthLimit) {
            this.failedAuthLimit = failedAuthLimit;
            return validated();
        }

        /** Cool-down of an address over the failed-authentication limit, 1 second to 1 day. */
        public Builder failedAuthCooldown(Duration failedAuthCooldown) {
            this.failedAuthCooldown = failedAuthCooldown;
            return validated();
        }

        /** Connections of one user open at once on a node, 0 (no limit) to 10,000,000. */
        public Builder maxConnectionsPerUser(int maxConnectionsPerUser) {
            this.maxConnectionsPerUser = maxConnectionsPerUser;
            return validated();
        }

        /** New sessions one user may start per minute on a node, 0 (no limit) to 1,000,000. */
        public Builder userSessionsPerMinute(int userSessionsPerMinute) {
            this.userSessionsPerMinute = userSessionsPerMinute;
            return validated();
        }

        /** User messages one user may send per minute on a node, 0 (no limit) to 1,000,000. */
        public Builder userMessagesPerMinute(int userMessagesPerMinute) {
            this.userMessagesPerMinute = userMessagesPerMinute;
            return validated();
        }

        /** Messages sent while told to wait before a connection is closed with 1008, 1 to 1,000,000. */
        public Builder maxIgnoredRateLimits(int maxIgnoredRateLimits) {
            this.maxIgnoredRateLimits = maxIgnoredRateLimits;
            return validated();
        }

        private Builder validated() {
            build();
            return this;
        }

        public LimitsOptions build() {
            return new LimitsOptions(allowedOrigins, addressHandshakeRate, addressHandshakeBurst,
                    maxConnectionsPerAddress, failedAuthLimit, failedAuthCooldown, maxConnectionsPerUser,
                    userSessionsPerMinute, userMessagesPerMinute, maxIgnoredRateLimits);
        }
    }
}
