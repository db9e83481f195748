package dev.tether.loadtest.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency histograms (HdrHistogram, microseconds) and per-second time series of one run. Recording is lock-free and
 * safe from any thread.
 */
final class Metrics {

    /** A per-second time series. */
    enum Series {
        CONNECTED("connected clients (lowest in the second)"),
        HANDSHAKES("handshakes completed"),
        RECONNECTS("reconnect attempts"),
        REFUSED("handshakes refused (1013)"),
        CLOSES("connections closed"),
        RESUMES("resumes"),
        RESUME_FAILURES("failed resumes"),
        FRAMES("frames received"),
        SENT("user messages sent"),
        REPLIES("replies completed"),
        PUBLISHED("events published");

        final String label;

        Series(String label) {
            this.label = label;
        }
    }

    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    final Histogram connect = histogram();
    final Histogram resume = histogram();
    final Histogram roundTrip = histogram();
    final Histogram publish = histogram();
    /** Per reply continued after its node died: the longest pause between two of its parts as the client saw them. */
    final Histogram continuePause = histogram();

    final AtomicLong connectedNow = new AtomicLong();
    final AtomicLong everConnected = new AtomicLong();
    final AtomicLong publishFailures = new AtomicLong();
    final AtomicLong publishSkipped = new AtomicLong();
    final AtomicLong publishNotFound = new AtomicLong();

    private final long startNanos;
    private final int seconds;
    private final AtomicLongArray[] series = new AtomicLongArray[Series.values().length];
    private volatile int lastSecond;

    Metrics(long startNanos, int seconds) {
        this.startNanos = startNanos;
        this.seconds = Math.max(1, seconds);
        for (int i = 0; i < series.length; i++) {
            series[i] = new AtomicLongArray(this.seconds);
        }
        for (int s = 0; s < this.seconds; s++) {
            series[Series.CONNECTED.ordinal()].set(s, Long.MAX_VALUE);
        }
    }

    private static Histogram histogram() {
        return new ConcurrentHistogram(HIGHEST_MICROS, 3);
    }

    long startNanos() {
        return startNanos;
    }

    int second(long nanos) {
        long s = (nanos - startNanos) / 1_000_000_000L;
        int index = (int) Math.max(0, Math.min(seconds - 1, s));
        if (index > lastSecond) {
            lastSecond = index;
        }
        return index;
    }

    void count(Series which, long nanos) {
        series[which.ordinal()].incrementAndGet(second(nanos));
    }

    /** Samples the number of connected clients; the series keeps the lowest sample of each second. */
    void sampleConnected(long nanos) {
        AtomicLongArray connected = series[Series.CONNECTED.ordinal()];
        int s = second(nanos);
        long now = connectedNow.get();
        connected.accumulateAndGet(s, now, Math::min);
    }

    static void record(Histogram histogram, long nanos) {
        histogram.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, nanos / 1_000)));
    }

    /** The series up to the last second anything was recorded in. */
    long[] series(Series which) {
        int length = lastSecond + 1;
        long[] values = new long[length];
        AtomicLongArray source = series[which.ordinal()];
        for (int s = 0; s < length; s++) {
            long value = source.get(s);
            values[s] = which == Series.CONNECTED && value == Long.MAX_VALUE ? 0 : value;
        }
        return values;
    }

    long peak(Series which) {
        long peak = 0;
        for (long value : series(which)) {
            peak = Math.max(peak, value);
        }
        return peak;
    }

    long total(Series which) {
        long total = 0;
        for (long value : series(which)) {
            total += value;
        }
        return total;
    }
}
