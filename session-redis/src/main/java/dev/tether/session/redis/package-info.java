/**
 * The session store on Redis: {@link dev.tether.session.redis.RedisSessionStore}, built from
 * {@link dev.tether.session.redis.RedisSessionStoreOptions}. With it, every gateway node sees every session, so a
 * client can resume on any node. Works with a single Redis server or a Redis Cluster (sharded pub/sub on Redis 7).
 */
package dev.tether.session.redis;
