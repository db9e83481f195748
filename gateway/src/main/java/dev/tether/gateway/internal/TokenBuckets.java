package dev.tether.gateway.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * A token bucket per key (a client address, a user): each holds up to {@code burst} tokens, gains one every
 * {@code interval}, and each taking spends one, so a key may go at the rate in the long run and in bursts up to
 * {@code burst} after a pause. The table holds at most a given number of keys, forgetting the one heard from least
 * recently (a forgotten key starts over with a full bucket), so a flood of keys costs bounded memory. Time is the
 * scheduler's, so tests run it on virtual time. Thread-safe.
 */
final class TokenBuckets {

    private final int burst;
    private final long intervalNanos;
    private final Scheduler scheduler;
    private final Map<String, Bucket> buckets;

    /** One key's bucket: {@code tokens} as of {@code at}. */
    private static final class Bucket {
        long at;
        double tokens;
    }

    /**
     * @param burst    tokens a bucket holds at most, and holds at first
     * @param interval time in which a bucket gains one token
     * @param capacity keys remembered at once
     */
    TokenBuckets(int burst, Duration interval, int capacity, Scheduler scheduler) {
        this.burst = burst;
        this.intervalNanos = Math.max(1, interval.toNanos());
        this.scheduler = scheduler;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > capacity;
            }
        };
    }

    /** A bucket per key that gains {@code perSecond} tokens a second and holds up to {@code burst}. */
    static TokenBuckets perSecond(int perSecond, int burst, int capacity, Scheduler scheduler) {
        return new TokenBuckets(burst, Duration.ofNanos(TimeUnit.SECONDS.toNanos(1) / perSecond), capacity,
                scheduler);
    }

    /**
     * Spends one of the key's tokens and returns {@link Duration#ZERO}; or, when its bucket is empty, spends
     * nothing and returns how long until it holds a token again.
     */
    synchronized Duration take(String key) {
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            bucket = new Bucket();
            bucket.at = now;
            bucket.tokens = burst;
            buckets.put(key, bucket);
        } else {
            bucket.tokens = Math.min(burst, bucket.tokens + (double) (now - bucket.at) / intervalNanos);
            bucket.at = now;
        }
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - bucket.tokens) * intervalNanos));
    }

    /** Keys remembered now. */
    synchronized int size() {
        return buckets.size();
    }
}
