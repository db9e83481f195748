package dev.tether.session.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.session.ReplyLease;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeaseTest {

    @Test
    void readsTheStoredFormWhoseNodeMayContainColons() {
        Lease lease = Lease.parse("1700000000123:3:42:2:1:gw-1:8787");

        assertThat(lease).isEqualTo(new Lease(Instant.ofEpochMilli(1700000000123L), 3, 42, 2, true, "gw-1:8787"));
        assertThat(lease.toString()).isEqualTo("1700000000123:3:42:2:1:gw-1:8787");
        assertThat(lease.toReplyLease(7))
                .isEqualTo(new ReplyLease(7, "gw-1:8787", Instant.ofEpochMilli(1700000000123L)));
    }

    @Test
    void readsTheEarlierFormAsNeverContinuedNorCancelled() {
        Lease lease = Lease.parse("1700000000123:3:42:gw-1:8787");

        assertThat(lease).isEqualTo(new Lease(Instant.ofEpochMilli(1700000000123L), 3, 42, 0, false, "gw-1:8787"));
        assertThat(lease.toString()).as("written in the current form").isEqualTo("1700000000123:3:42:0:0:gw-1:8787");
    }

    @Test
    void refusesWhatIsNotALease() {
        assertThatThrownBy(() -> Lease.parse("1700000000123:3")).isInstanceOf(IllegalArgumentException.class);
    }
}
