package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.gateway.ProxyOptions;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

/** Which address a client is counted by: the peer's, or behind trusted proxies the first untrusted hop. */
class ClientAddressTest {

    private static final SocketAddress PROXY = peer("10.0.0.5");
    private static final SocketAddress STRANGER = peer("198.51.100.20");

    private static SocketAddress peer(String address) {
        return new InetSocketAddress(address, 40_000);
    }

    private static HttpHeaders forwarded(String... lines) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String line : lines) {
            headers.add("X-Forwarded-For", line);
        }
        return headers;
    }

    private static ClientAddress trusting(String proxies) {
        return new ClientAddress(ProxyOptions.builder().trustedProxies(proxies).build());
    }

    @Test
    void withoutTrustedProxiesThePeerCountsAndTheHeaderIsIgnored() {
        ClientAddress addresses = new ClientAddress(ProxyOptions.defaults());
        assertThat(addresses.of(STRANGER, null, forwarded("203.0.113.9"))).isEqualTo("198.51.100.20");
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(trusting("10.0.0.0/8").of(STRANGER, null, forwarded("203.0.113.9"))).isEqualTo("198.51.100.20");
    }

    @Test
    void behindTrustedProxiesTheFirstUntrustedHopFromTheRightCounts() {
        ClientAddress addresses = trusting("10.0.0.0/8, 192.0.2.0/24");
        // The client forged the two left entries; the proxies appended the rest.
        assertThat(addresses.of(PROXY, null, forwarded("1.2.3.4, 203.0.113.9, 198.51.100.7, 192.0.2.1")))
                .isEqualTo("198.51.100.7");
        assertThat(addresses.of(PROXY, null, forwarded("1.2.3.4, 203.0.113.9", "198.51.100.7", "192.0.2.1")))
                .as("several header lines read as one list").isEqualTo("198.51.100.7");
    }

    @Test
    void entriesWithPortsAndBracketsAreRead() {
        ClientAddress addresses = trusting("10.0.0.0/8");
        assertThat(addresses.of(PROXY, null, forwarded("198.51.100.7:5555"))).isEqualTo("198.51.100.7");
        assertThat(addresses.of(PROXY, null, forwarded("[2001:db8:1:2::7]:443"))).isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void aMalformedEntryStopsTheWalkAtTheProxyThatWroteIt() {
        assertThat(trusting("10.0.0.0/8").of(PROXY, null, forwarded("198.51.100.7, unknown"))).isEqualTo("10.0.0.5");
    }

    @Test
    void trustedAllTheWayTheLeftmostHopCounts() {
        assertThat(trusting("10.0.0.0/8").of(PROXY, null, forwarded("10.1.1.1, 10.2.2.2"))).isEqualTo("10.1.1.1");
        assertThat(trusting("10.0.0.0/8").of(PROXY, null, forwarded())).as("no header").isEqualTo("10.0.0.5");
    }

    @Test
    void ipv6ClientsCountByTheirSlash64AndIpv6ProxiesAreMatchedByBlock() {
        ClientAddress addresses = trusting("2001:db8:ffff::/48");
        SocketAddress proxy = peer("2001:db8:ffff::1");
        String one = addresses.of(proxy, null, forwarded("2001:db8:1:2::7"));
        String other = addresses.of(proxy, null, forwarded("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assertThat(one).isEqualTo("2001:db8:1:2::/64").isEqualTo(other);
        assertThat(addresses.of(proxy, null, forwarded("2001:db8:1:3::7"))).isEqualTo("2001:db8:1:3::/64");
        assertThat(addresses.of(proxy, null, forwarded("1.2.3.4, 2001:db8:ffff::9"))).as("a trusted IPv6 hop")
                .isEqualTo("1.2.3.4");
        assertThat(addresses.of(proxy, null, forwarded("::ffff:198.51.100.7"))).as("IPv4-mapped")
                .isEqualTo("198.51.100.7");
    }

    @Test
    void theProxyProtocolSourceIsAHopBelievedFromATrustedPeerOnly() {
        SocketAddress source = InetSocketAddress.createUnresolved("198.51.100.7", 51_000);
        assertThat(trusting("10.0.0.0/8").of(PROXY, source, forwarded("203.0.113.9"))).isEqualTo("198.51.100.7");
        assertThat(trusting("10.0.0.0/8").of(STRANGER, source, forwarded())).isEqualTo("198.51.100.20");
        SocketAddress innerProxy = InetSocketAddress.createUnresolved("10.9.9.9", 51_000);
        assertThat(trusting("10.0.0.0/8").of(PROXY, innerProxy, forwarded("1.2.3.4, 203.0.113.9")))
                .as("a trusted source: on into the header").isEqualTo("203.0.113.9");
    }

    @Test
    void aHeaderNamedWithoutTrustedProxiesKeepsItsFormerMeaningTheLastEntryFromAnyPeer() {
        ClientAddress addresses = new ClientAddress(ProxyOptions.builder().clientAddressHeader("X-Forwarded-For")
                .build());
        assertThat(addresses.of(STRANGER, null, forwarded("203.0.113.9, 198.51.100.7"))).isEqualTo("198.51.100.7");
        assertThat(addresses.of(STRANGER, null, forwarded())).isEqualTo("198.51.100.20");
    }

    @Test
    void cidrBlocksAreReadAsLiteralsOnly() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.address("10.200.3.4"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.address("11.0.0.1"))).isFalse();
        assertThat(Cidr.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("192.0.2.7").contains(Cidr.address("192.0.2.7"))).isTrue();
        assertThat(Cidr.parse("192.0.2.7").contains(Cidr.address("192.0.2.8"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.address("2001:db8::1"))).as("no family crossing")
                .isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains(Cidr.address("2001:db8:abcd::1"))).isTrue();
        assertThat(Cidr.list(" 10.0.0.0/8,  ::1 ")).containsExactly("10.0.0.0/8", "::1");
        assertThat(Cidr.list("none")).isEmpty();
        for (String bad : new String[] {"localhost", "10.0.0.0/33", "::/129", "10.0.0.0/x", "10.0.0"}) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("CIDR block");
        }
    }
}
