package dev.tether.gateway.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * How many of something each key holds at once (connections per client address, per user), under one limit. A key
 * is remembered only while it holds one, so the table is no larger than what is counted. Thread-safe.
 */
final class Counts {

    private final int limit;
    private final Map<String, Integer> held = new HashMap<>();

    /** @param limit what one key may hold at once */
    Counts(int limit) {
        this.limit = limit;
    }

    /** Counts one more for {@code key}, unless it holds its limit already: then {@code false}, and nothing changes. */
    synchronized boolean acquire(String key) {
        int now = held.getOrDefault(key, 0);
        if (now >= limit) {
            return false;
        }
        held.put(key, now + 1);
        return true;
    }

    /** Counts one less for {@code key}; once for each {@link #acquire} that returned {@code true}. */
    synchronized void release(String key) {
        held.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }

    /** What {@code key} holds now. */
    synchronized int held(String key) {
        return held.getOrDefault(key, 0);
    }

    /** Keys that hold something now. */
    synchronized int size() {
        return held.size();
    }

    int limit() {
        return limit;
    }
}
