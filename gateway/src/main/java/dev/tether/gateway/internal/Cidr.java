package dev.tether.gateway.internal;

import io.netty.util.NetUtil;
import java.util.Arrays;
import java.util.List;

/**
 * A block of IPv4 or IPv6 addresses in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), or one address.
 * Addresses are read as literals only, never looked up in DNS. May change without notice.
 */
public final class Cidr {

    private static final int IPV4_BYTES = 4;
    private static final int IPV6_BYTES = 16;
    /** The first 12 bytes of an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}). */
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Reads a block; throws {@link IllegalArgumentException} naming the accepted forms. */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        byte[] address = address(slash < 0 ? trimmed : trimmed.substring(0, slash));
        if (address == null) {
            throw invalid(text);
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
            if (prefix < 0 || prefix > bits) {
                throw invalid(text);
            }
        }
        return new Cidr(mask(address, prefix), prefix);
    }

    /** Reads a comma- or space-separated list of blocks; blank or {@code none} for none. */
    public static List<String> list(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty() || trimmed.equalsIgnoreCase("none")) {
            return List.of();
        }
        List<String> blocks = Arrays.stream(trimmed.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
        blocks.forEach(Cidr::parse);
        return blocks;
    }

    /**
     * The bytes of an IP address literal, 4 for IPv4 (an IPv4-mapped IPv6 address included) and 16 for IPv6; null
     * when {@code text} is not one.
     */
    static byte[] address(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        if (bytes.length == IPV6_BYTES && Arrays.equals(bytes, 0, MAPPED_PREFIX.length, MAPPED_PREFIX, 0,
                MAPPED_PREFIX.length)) {
            return Arrays.copyOfRange(bytes, MAPPED_PREFIX.length, IPV6_BYTES);
        }
        return bytes;
    }

    /** Whether {@code address} (4 or 16 bytes) lies in this block; an IPv4 address is never in an IPv6 block. */
    boolean contains(byte[] address) {
        return address.length == network.length && Arrays.equals(mask(address, prefix), network);
    }

    /** {@code address} with every bit after the first {@code prefix} cleared. */
    static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("expected an IPv4 or IPv6 address, or a CIDR block such as 10.0.0.0/8 "
                + "or 2001:db8::/32, got \"" + text + "\"");
    }

    @Override
    public String toString() {
        return NetUtil.bytesToIpAddress(network) + "/" + prefix;
    }

    static boolean isIpv4(byte[] address) {
        return address.length == IPV4_BYTES;
    }
}
