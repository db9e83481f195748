package dev.tether.session.redis;

import dev.tether.session.redis.testkit.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two store nodes sharing one Redis server. */
class RedisMultiNodeIT extends MultiNodeTests {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.standalone();

    @Override
    protected RedisExtension redis() {
        return redis;
    }
}
