package dev.tether.session.redis;

import dev.tether.session.redis.testkit.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two store nodes sharing a three-node Redis Cluster started by the test. */
class RedisClusterMultiNodeIT extends MultiNodeTests {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.cluster();

    @Override
    protected RedisExtension redis() {
        return redis;
    }
}
