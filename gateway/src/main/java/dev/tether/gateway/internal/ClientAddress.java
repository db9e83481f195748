package dev.tether.gateway.internal;

import dev.tether.gateway.ProxyOptions;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import reactor.netty.http.server.HttpServerRequest;

/**
 * The address a client connects from, as the limits per address count it ({@link AddressFailures},
 * {@link AddressLimits}): the TCP peer's, or, when the peer is a trusted proxy ({@link ProxyOptions}), the first
 * hop that is not one, walking back from the peer through the PROXY protocol header and the forwarding header from
 * its right end. Entries left of the first untrusted hop are the client's own claims and are never believed.
 *
 * <p>An IPv6 client counts by its /64 network, the least any subscriber is given: one address each would let a
 * single host walk through limits by changing the low bits of its address.
 */
final class ClientAddress {

    /** The address of a peer that is not an IP socket (such as an in-process channel in tests). */
    static final String UNKNOWN = "unknown";

    /** Longest address kept from an unparsed header entry: an IPv6 address with a zone fits. */
    static final int MAX_LENGTH = 64;

    /** Bits of an IPv6 address that name the client: its /64 network. */
    static final int IPV6_PREFIX = 64;

    private final List<Cidr> trusted;
    private final String header;
    /** A header named without trusted proxies: its last entry is believed from any peer, as before proxies. */
    private final boolean anyPeer;
    private final boolean proxyProtocol;

    ClientAddress(ProxyOptions options) {
        this.trusted = options.trustedProxies().stream().map(Cidr::parse).toList();
        this.header = options.effectiveHeader();
        this.anyPeer = trusted.isEmpty() && !header.isEmpty();
        this.proxyProtocol = options.proxyProtocol();
    }

    /** The address of the client that sent {@code request}. */
    String of(HttpServerRequest request) {
        SocketAddress[] peer = new SocketAddress[1];
        request.withConnection(connection -> peer[0] = connection.channel().remoteAddress());
        // With the PROXY protocol, Reactor Netty reports the header's source as the request's remote address (it
        // reads no forwarding header itself: forwarded(true) is not set).
        SocketAddress proxied = proxyProtocol ? request.remoteAddress() : null;
        return of(peer[0], proxied, request.requestHeaders());
    }

    /**
     * The client's address.
     *
     * @param peer    the TCP peer
     * @param proxied the source address of the connection's PROXY protocol header, or null without one
     * @param headers the request's headers
     */
    String of(SocketAddress peer, SocketAddress proxied, HttpHeaders headers) {
        if (anyPeer) {
            String claimed = lastEntry(headers);
            if (claimed != null) {
                byte[] address = entry(claimed);
                return address != null ? key(address)
                        : claimed.length() > MAX_LENGTH ? claimed.substring(0, MAX_LENGTH) : claimed;
            }
        }
        byte[] hop = bytes(peer);
        if (hop == null) {
            return UNKNOWN;
        }
        if (!isTrusted(hop)) {
            return key(hop);
        }
        if (proxied != null) {
            byte[] source = bytes(proxied);
            if (source == null) {
                return key(hop);
            }
            hop = source;
            if (!isTrusted(hop)) {
                return key(hop);
            }
        }
        if (header.isEmpty()) {
            return key(hop);
        }
        // Several lines of the header read as one list, in order (RFC 9110 §5.3).
        String[] entries = String.join(",", headers.getAll(header)).split(",");
        for (int i = entries.length - 1; i >= 0; i--) {
            String entry = entries[i].trim();
            if (entry.isEmpty()) {
                continue;
            }
            byte[] address = entry(entry);
            if (address == null) {
                // A trusted proxy wrote something that is no address: believe no further, count the proxy.
                return key(hop);
            }
            hop = address;
            if (!isTrusted(hop)) {
                return key(hop);
            }
        }
        // Trusted all the way: the leftmost hop is as far as anyone can tell.
        return key(hop);
    }

    private boolean isTrusted(byte[] address) {
        for (Cidr block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private String lastEntry(HttpHeaders headers) {
        // A proxy may add its own header line after the client's rather than append to it: the last line counts.
        List<String> values = headers.getAll(header);
        if (values.isEmpty()) {
            return null;
        }
        String value = values.get(values.size() - 1);
        String last = value.substring(value.lastIndexOf(',') + 1).trim();
        return last.isEmpty() ? null : last;
    }

    /** The address of a forwarding header's entry: {@code 192.0.2.1}, {@code 192.0.2.1:443}, {@code [2001:db8::1]:443}. */
    static byte[] entry(String entry) {
        String text = entry;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0) {
                return null;
            }
            text = text.substring(1, end);
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            text = text.substring(0, text.indexOf(':'));
        }
        return Cidr.address(text);
    }

    private static byte[] bytes(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) {
            return null;
        }
        if (inet.getAddress() != null) {
            return Cidr.address(inet.getAddress().getHostAddress());
        }
        return Cidr.address(inet.getHostString());
    }

    /** How limits name an address: IPv4 as it is, IPv6 by its /64 network. */
    static String key(byte[] address) {
        if (Cidr.isIpv4(address)) {
            return NetUtil.bytesToIpAddress(address);
        }
        return NetUtil.bytesToIpAddress(Cidr.mask(address, IPV6_PREFIX)) + "/" + IPV6_PREFIX;
    }
}
