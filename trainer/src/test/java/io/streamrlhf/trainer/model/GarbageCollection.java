package io.streamrlhf.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;

/** Forces what the JVM otherwise does at a time of its choosing: a collection and the frees it triggers. */
public final class GarbageCollection {

    private GarbageCollection() {}

    /**
     * A full collection, then waits (30 s at most) until the reference handler has run the cleaners it found, which
     * free the memory of unreachable direct buffers: a phantom-reachable canary is enqueued in the same pass, and a
     * second round's canary only after the first pass is done.
     */
    public static void collectAndFree() {
        for (int round = 0; round < 2; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            Object canary = ByteBuffer.allocateDirect(8);
            PhantomReference<Object> ref = new PhantomReference<>(canary, queue);
            canary = null;
            Reference<?> enqueued = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            try {
                while (enqueued == null && System.nanoTime() < deadline) {
                    System.gc();
                    enqueued = queue.remove(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            assertThat(enqueued)
                    .as("the collector cleared the canary within 30 s")
                    .isSameAs(ref);
        }
    }
}
