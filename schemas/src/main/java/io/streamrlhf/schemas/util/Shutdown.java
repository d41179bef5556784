package io.streamrlhf.schemas.util;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Orderly shutdown shared by the HTTP servers (registry, gateway, dashboard). */
public final class Shutdown {

    private Shutdown() {}

    /**
     * Stops accepting work, waits up to {@code grace} for running tasks, then interrupts what is left. Keeps the
     * caller's interrupt flag set if it was interrupted while waiting.
     */
    public static void executor(ExecutorService executor, Duration grace) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}
