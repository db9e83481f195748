package dev.tether.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty's leak detector, at PARANOID level, reports a buffer that was never released.
 *
 * <p>Registered for every test through JUnit's extension auto-detection (see the parent pom), so the factory is
 * installed before Netty creates its first buffer. A leak is found when the leaked buffer is garbage collected, so
 * after each test class this collects garbage and allocates a few buffers to make the detector look. Once per
 * class rather than per test: forced collections are slow, and the report names the class and the leak's records.
 */
public final class NettyLeakDetectionExtension implements AfterAllCallback {

    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (int j = 0; j < 8; j++) {
                ByteBuf probe = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        List<String> found;
        synchronized (LEAKS) {
            found = List.copyOf(LEAKS);
            LEAKS.clear();
        }
        if (!found.isEmpty()) {
            throw new AssertionError("Netty reported " + found.size() + " leak(s) during or before "
                    + context.getDisplayName() + ":\n" + String.join("\n", found));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    record(resourceType + " leaked:" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    record(resourceType + " leaked (no records)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }

        private static void record(String leak) {
            synchronized (LEAKS) {
                LEAKS.add(leak);
            }
        }
    }
}
