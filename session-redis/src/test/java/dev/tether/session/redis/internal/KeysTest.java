package dev.tether.session.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KeysTest {

    private final Keys keys = new Keys("tether");

    @Test
    void everyKeyOfASessionAndItsChannelShareOneClusterSlot() {
        String id = "Zx8_-abc";
        int slot = SlotHash.getSlot(keys.meta(id));

        assertThat(Arrays.stream(keys.all(id)).mapToInt(SlotHash::getSlot)).containsOnly(slot);
        assertThat(SlotHash.getSlot(keys.channel(id))).isEqualTo(slot);
        assertThat(keys.meta(id)).isEqualTo("tether:{Zx8_-abc}:meta");
        assertThat(keys.log(id)).isEqualTo("tether:{Zx8_-abc}:log");
    }

    @Test
    void channelNamesMapBackToTheirSession() {
        assertThat(keys.sessionOfChannel(keys.channel("abc"))).isEqualTo("abc");
        assertThat(keys.sessionOfChannel("other:{abc}:ch")).isNull();
        assertThat(keys.sessionOfChannel("tether:{abc}:log")).isNull();
    }

    @Test
    void theRegistryHasASlotOfItsOwn() {
        assertThat(SlotHash.getSlot(keys.registrySessions())).isEqualTo(SlotHash.getSlot(keys.registryConnected()));
    }

    @Test
    void scriptsAreIdentifiedByTheirSha1() {
        assertThat(Scripts.APPEND.sha1()).hasSize(40).matches("[0-9a-f]+");
        assertThat(Scripts.all()).extracting(LuaScript::sha1).doesNotHaveDuplicates();
    }
}
