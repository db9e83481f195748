package dev.tether.session.redis;

import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreContract;
import dev.tether.session.redis.testkit.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against a real three-node Redis Cluster started from the binaries by the test. */
class RedisClusterSessionStoreIT extends SessionStoreContract {

    @RegisterExtension
    static final RedisExtension cluster = RedisExtension.cluster();

    @Override
    protected SessionStore createStore(SessionLimits limits) {
        return RedisSessionStoreIT.storeFor(cluster, limits);
    }
}
