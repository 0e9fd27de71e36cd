package io.mnemo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector found an unreleased buffer. Leaks surface only
 * once the buffer is collected and a later allocation polls the detector, so this collects
 * garbage and allocates a few times before it looks.
 */
public final class NoLeaks implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            ByteBufAllocator.DEFAULT.buffer(16).release();
            ByteBufAllocator.DEFAULT.directBuffer(16).release();
            ByteBufAllocator.DEFAULT.heapBuffer(16).release();
        }
        assertTrue(LeakRecorder.installed(), "run with -Dio.netty.customResourceLeakDetector=" + LeakRecorder.class.getName());
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(), "leak detection level");
        assertEquals(List.of(), LeakRecorder.leaks(), "Netty buffers leaked");
    }
}
