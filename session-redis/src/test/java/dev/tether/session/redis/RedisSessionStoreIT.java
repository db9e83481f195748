package dev.tether.session.redis;

import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreContract;
import dev.tether.session.redis.testkit.RedisExtension;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against one real Redis server. */
class RedisSessionStoreIT extends SessionStoreContract {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.standalone();

    @Override
    protected SessionStore createStore(SessionLimits limits) {
        return storeFor(redis, limits);
    }

    /** A store on {@code redis} with a key prefix of its own, so that its statistics registry is its own. */
    static RedisSessionStore storeFor(RedisExtension redis, SessionLimits limits) {
        return RedisSessionStore.connect(optionsFor(redis, limits).build());
    }

    static RedisSessionStoreOptions.Builder optionsFor(RedisExtension redis, SessionLimits limits) {
        return RedisSessionStoreOptions.builder()
                .uris(redis.uris())
                .cluster(redis.isCluster())
                .keyPrefix("it-" + UUID.randomUUID().toString().substring(0, 8))
                .limits(limits)
                .nodeId("it-node");
    }
}
