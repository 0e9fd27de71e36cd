package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class whose buffers leaked. Netty's detector (at PARANOID, from the parent POM)
 * only logs a leak; this collects its reports so a leak is a red test, not a line in a log.
 *
 * <p>It must be installed before Netty creates its {@code ByteBuf} leak detector, which happens
 * when the first buffer class initializes; every test class that touches buffers registers it.
 */
public final class NettyLeakCheck implements AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();
    private static final AtomicBoolean BUFFERS_WATCHED = new AtomicBoolean();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                    long maxActive) {
                if (ByteBuf.class.isAssignableFrom(resource)) {
                    BUFFERS_WATCHED.set(true);
                }
                ResourceLeakDetector<T> detector = new ResourceLeakDetector<>(resource, samplingInterval);
                detector.setLeakListener((type, records) -> {
                    synchronized (LEAKS) {
                        LEAKS.add(type + " leaked:" + records);
                    }
                });
                return detector;
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        // A leak is noticed only once the collector has found the lost buffer and a later allocation looks.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(30);
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
        assertTrue(BUFFERS_WATCHED.get(), "Netty's ByteBuf leak detector was created before this check was installed");
        List<String> leaks;
        synchronized (LEAKS) {
            leaks = List.copyOf(LEAKS);
            LEAKS.clear();
        }
        assertEquals(List.of(), leaks, "buffers leaked in " + context.getDisplayName());
    }
}
