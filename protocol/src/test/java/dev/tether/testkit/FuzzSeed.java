package dev.tether.testkit;

import java.security.SecureRandom;

/**
 * The seed and size of a fuzz run: settable so that a failure reproduces, random otherwise.
 *
 * <p>{@code -Dtether.fuzz.seed=N} replays a run; {@code -Dtether.fuzz.frames=N} changes how many frames it sends.
 * A fuzz test prints its seed and puts it in every failure message.
 */
public final class FuzzSeed {

    /** The system property that fixes the seed. */
    public static final String SEED_PROPERTY = "tether.fuzz.seed";
    /** The system property that sets the number of frames. */
    public static final String FRAMES_PROPERTY = "tether.fuzz.frames";

    private FuzzSeed() {
    }

    /** The seed given by {@value #SEED_PROPERTY}, or a new random one. */
    public static long seed() {
        String given = System.getProperty(SEED_PROPERTY);
        if (given != null && !given.isBlank()) {
            return Long.parseLong(given.trim());
        }
        return new SecureRandom().nextLong();
    }

    /** The number of frames given by {@value #FRAMES_PROPERTY}, or {@code standard}. */
    public static int frames(int standard) {
        String given = System.getProperty(FRAMES_PROPERTY);
        return given == null || given.isBlank() ? standard : Integer.parseInt(given.trim());
    }

    /** How to replay a run with this seed, for failure messages. */
    public static String replay(long seed) {
        return "fuzz seed " + seed + " (replay with -D" + SEED_PROPERTY + "=" + seed + ")";
    }
}
