package dev.tether.loadtest.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The first few problems the checks found, described, for the report; the counts are in {@link Tally}. */
final class Problems {

    /** Default number of problems described in a report: 20. */
    static final int DEFAULT_LIMIT = 20;

    private final int limit;
    private final List<String> samples = new ArrayList<>();
    private final AtomicLong total = new AtomicLong();
    private final java.util.Map<String, Integer> kinds = new java.util.HashMap<>();
    private static final int PER_KIND = 3;

    Problems(int limit) {
        this.limit = limit;
    }

    Problems() {
        this(DEFAULT_LIMIT);
    }

    void report(String description) {
        total.incrementAndGet();
        // A few of each kind, so that one flood of the same problem does not hide the others.
        String kind = description.replaceAll("[0-9]+", "#");
        synchronized (samples) {
            int ofKind = kinds.merge(kind, 1, Integer::sum);
            if (samples.size() < limit && ofKind <= PER_KIND) {
                samples.add(description);
            }
        }
    }

    List<String> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    long total() {
        return total.get();
    }
}
