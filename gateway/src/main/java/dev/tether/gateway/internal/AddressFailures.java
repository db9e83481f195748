package dev.tether.gateway.internal;

import dev.tether.gateway.ResumeOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * Failed attempts per client address ({@link ClientAddress}), for guessing that must cost the guesser (session tokens
 * on resume, API keys of the push API): a count per fixed window, and a cool-down for an address that goes over the
 * limit. The table holds at most a given number of addresses, forgetting the one heard from least recently, so a
 * flood of addresses costs bounded memory; an entry whose window and cool-down are both over counts as absent. Time
 * is the scheduler's, so tests run it on virtual time. Thread-safe.
 */
final class AddressFailures {

    private final int limit;
    private final long windowNanos;
    private final long cooldownNanos;
    private final Scheduler scheduler;
    private final Map<String, Window> addresses;

    /** One address: failures counted since {@code windowStart}, and the end of its cool-down (0: none). */
    private static final class Window {
        long windowStart;
        int failures;
        long blockedUntil;
    }

    /** The table of failed resumes, as {@code options} bound it. */
    AddressFailures(ResumeOptions options, Scheduler scheduler) {
        this(options.failedResumeLimit(), options.failedResumeWindow(), options.failedResumeCooldown(),
                options.trackedAddresses(), scheduler);
    }

    /**
     * @param limit    failures within {@code window} that an address may have; the next starts its cool-down
     * @param capacity addresses remembered at once
     */
    AddressFailures(int limit, Duration window, Duration cooldown, int capacity, Scheduler scheduler) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
        this.cooldownNanos = cooldown.toNanos();
        this.scheduler = scheduler;
        this.addresses = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
                return size() > capacity;
            }
        };
    }

    /** What is left of the address's cool-down, or {@link Duration#ZERO} when its resumes are let through. */
    synchronized Duration coolingDown(String address) {
        Window entry = addresses.get(address);
        long now = now();
        return entry == null || entry.blockedUntil - now <= 0 ? Duration.ZERO
                : Duration.ofNanos(entry.blockedUntil - now);
    }

    /**
     * Counts a failure of the address; returns the cool-down it starts when this one goes over the limit,
     * else {@link Duration#ZERO}.
     */
    synchronized Duration failed(String address) {
        long now = now();
        Window entry = addresses.computeIfAbsent(address, key -> new Window());
        if (entry.failures == 0 || now - entry.windowStart >= windowNanos) {
            entry.windowStart = now;
            entry.failures = 0;
        }
        entry.failures++;
        if (entry.failures <= limit) {
            return Duration.ZERO;
        }
        // A new window after the cool-down: the address starts over rather than being refused again at once.
        entry.failures = 0;
        entry.blockedUntil = now + cooldownNanos;
        return Duration.ofNanos(cooldownNanos);
    }

    /** Addresses remembered now, expired ones included until they are forgotten. */
    synchronized int size() {
        return addresses.size();
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }
}
