/**
 * Internals of the Redis session store: key layout, Lua scripts, connections and subscriptions. Not an API: these
 * types may change without notice.
 */
package dev.tether.session.redis.internal;
