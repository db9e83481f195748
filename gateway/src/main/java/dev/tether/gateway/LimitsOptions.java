package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one client address may do on a gateway node, and which web pages may open connections. Addresses are told
 * apart as {@link ProxyOptions} says. Every limit is per node; 0 turns it off. Immutable; build with
 * {@link #builder()}.
 *
 * <p>The limits per address are off by default: behind a load balancer whose proxies are not configured as
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
 */
public record LimitsOptions(List<String> allowedOrigins, int addressHandshakeRate, int addressHandshakeBurst,
                            int maxConnectionsPerAddress) {

    /** Default number of upgrades a client address may make at once after a pause: 20. */
    public static final int DEFAULT_ADDRESS_HANDSHAKE_BURST = 20;

    private static final Pattern ORIGIN = Pattern.compile("[a-z][a-z0-9+.-]*://[^/\\s]+|null");

    public LimitsOptions {
        allowedOrigins = Objects.requireNonNull(allowedOrigins, "allowedOrigins").stream()
                .map(LimitsOptions::origin).toList();
        Checks.between("addressHandshakeRate", addressHandshakeRate, 0, 1_000_000);
        Checks.between("addressHandshakeBurst", addressHandshakeBurst, 1, 1_000_000);
        Checks.between("maxConnectionsPerAddress", maxConnectionsPerAddress, 0, 10_000_000);
    }

    /** The defaults: any origin, no limit per address. */
    public static LimitsOptions defaults() {
        return new LimitsOptions(List.of(), 0, DEFAULT_ADDRESS_HANDSHAKE_BURST, 0);
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
        private LimitsOptions o;

        private Builder(LimitsOptions options) {
            this.o = options;
        }

        /** The origins whose pages may connect; empty for any. */
        public Builder allowedOrigins(List<String> allowedOrigins) {
            o = new LimitsOptions(allowedOrigins, o.addressHandshakeRate, o.addressHandshakeBurst,
                    o.maxConnectionsPerAddress);
            return this;
        }

        /** The origins whose pages may connect, comma- or space-separated; blank or {@code any} for any. */
        public Builder allowedOrigins(String list) {
            String trimmed = list.trim();
            return allowedOrigins(trimmed.isEmpty() || trimmed.equalsIgnoreCase("any") ? List.of()
                    : Arrays.stream(trimmed.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList());
        }

        /** Upgrades per second from one client address in the long run, 0 (no limit) to 1,000,000. */
        public Builder addressHandshakeRate(int addressHandshakeRate) {
            o = new LimitsOptions(o.allowedOrigins, addressHandshakeRate, o.addressHandshakeBurst,
                    o.maxConnectionsPerAddress);
            return this;
        }

        /** Upgrades one client address may make at once after a pause, 1 to 1,000,000. */
        public Builder addressHandshakeBurst(int addressHandshakeBurst) {
            o = new LimitsOptions(o.allowedOrigins, o.addressHandshakeRate, addressHandshakeBurst,
                    o.maxConnectionsPerAddress);
            return this;
        }

        /** Connections open at once from one client address, 0 (no limit) to 10,000,000. */
        public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
            o = new LimitsOptions(o.allowedOrigins, o.addressHandshakeRate, o.addressHandshakeBurst,
                    maxConnectionsPerAddress);
            return this;
        }

        public LimitsOptions build() {
            return o;
        }
    }
}
