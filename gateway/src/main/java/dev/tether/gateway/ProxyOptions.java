package dev.tether.gateway;

import dev.tether.gateway.internal.Cidr;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who stands between clients and a gateway node, so that each client is counted by its own address rather than its
 * proxy's. Immutable; build with {@link #builder()}.
 *
 * <p>The client's address is the TCP peer's, unless the peer is a trusted proxy: then it is the first address that
 * is not a trusted proxy, walking back from the peer through the PROXY protocol header (with
 * {@code proxyProtocol}) and the entries of {@code clientAddressHeader} from the right. Entries further left are
 * what the client claims about itself, which anyone can forge.
 *
 * @param trustedProxies      the proxies whose word about the client's address is believed, as CIDR blocks or single
 *                            addresses ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 192.0.2.7}); default none
 * @param clientAddressHeader the header in which proxies append the address they heard from; empty for
 *                            {@code X-Forwarded-For} when {@code trustedProxies} is given. Given without
 *                            {@code trustedProxies} it keeps its former meaning: its last entry is believed from
 *                            any peer, which is safe only when no client can reach the node but through one proxy
 * @param proxyProtocol       whether every TCP connection starts with a PROXY protocol header (version 1 or 2, as
 *                            HAProxy's {@code send-proxy} sends it); its source address is believed from a peer in
 *                            {@code trustedProxies} only; default off
 */
public record ProxyOptions(List<String> trustedProxies, String clientAddressHeader, boolean proxyProtocol) {

    /** The header read behind trusted proxies when none is named: {@value}. */
    public static final String DEFAULT_HEADER = "X-Forwarded-For";

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]*");

    public ProxyOptions {
        trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
        for (String block : trustedProxies) {
            Cidr.parse(block);
        }
        Objects.requireNonNull(clientAddressHeader, "clientAddressHeader");
        clientAddressHeader = clientAddressHeader.trim();
        if (!HEADER_NAME.matcher(clientAddressHeader).matches()) {
            throw new IllegalArgumentException("clientAddressHeader must be an HTTP header name such as "
                    + DEFAULT_HEADER + ", or empty, got \"" + clientAddressHeader + "\"");
        }
    }

    /** The defaults: no trusted proxy, every client counted by its TCP peer's address. */
    public static ProxyOptions defaults() {
        return new ProxyOptions(List.of(), "", false);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The header actually read: the one named, or {@link #DEFAULT_HEADER} behind trusted proxies, else none. */
    public String effectiveHeader() {
        if (!clientAddressHeader.isEmpty()) {
            return clientAddressHeader;
        }
        return trustedProxies.isEmpty() ? "" : DEFAULT_HEADER;
    }

    /** Builds {@link ProxyOptions}; each setter validates its argument. */
    public static final class Builder {
        private ProxyOptions o;

        private Builder(ProxyOptions options) {
            this.o = options;
        }

        /** The trusted proxies, as CIDR blocks or single IPv4 or IPv6 addresses. */
        public Builder trustedProxies(List<String> trustedProxies) {
            o = new ProxyOptions(trustedProxies, o.clientAddressHeader, o.proxyProtocol);
            return this;
        }

        /** The trusted proxies as one comma-separated list, such as {@code 10.0.0.0/8, ::1}; blank for none. */
        public Builder trustedProxies(String commaSeparated) {
            return trustedProxies(Cidr.list(commaSeparated));
        }

        /** The header proxies append the client's address to, such as {@code X-Forwarded-For}; empty for it. */
        public Builder clientAddressHeader(String clientAddressHeader) {
            o = new ProxyOptions(o.trustedProxies, clientAddressHeader, o.proxyProtocol);
            return this;
        }

        /** Whether connections start with a PROXY protocol header. */
        public Builder proxyProtocol(boolean proxyProtocol) {
            o = new ProxyOptions(o.trustedProxies, o.clientAddressHeader, proxyProtocol);
            return this;
        }

        public ProxyOptions build() {
            return o;
        }
    }
}
