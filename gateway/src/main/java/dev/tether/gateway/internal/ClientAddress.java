package dev.tether.gateway.internal;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The address a client connects from, as the limits on failed attempts count it ({@link AddressFailures}): the TCP
 * peer's, or behind a trusted proxy the last entry of the header that proxy sets, since only the entry the proxy
 * appended itself is not the client's own claim.
 */
final class ClientAddress {

    /** The address of a peer that is not an IP socket (such as an in-process channel in tests). */
    static final String UNKNOWN = "unknown";

    /** Longest address kept: an IPv6 address with a zone fits; a longer header entry is cut, not trusted whole. */
    static final int MAX_LENGTH = 64;

    private ClientAddress() {
    }

    /**
     * The client's address.
     *
     * @param peer   the TCP peer
     * @param headers the upgrade request's headers
     * @param header the header a trusted proxy sets, or empty to use the peer's address
     */
    static String of(SocketAddress peer, HttpHeaders headers, String header) {
        if (!header.isEmpty()) {
            // A proxy may add its own header line after the client's rather than append to it: the last line counts.
            List<String> values = headers.getAll(header);
            if (!values.isEmpty()) {
                String value = values.get(values.size() - 1);
                String last = value.substring(value.lastIndexOf(',') + 1).trim();
                if (!last.isEmpty()) {
                    return last.length() > MAX_LENGTH ? last.substring(0, MAX_LENGTH) : last;
                }
            }
        }
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return UNKNOWN;
    }
}
