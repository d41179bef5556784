package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.Supervised;
import io.streamrlhf.producers.erasure.ErasureReporter;
import java.util.function.Consumer;

/**
 * One incarnation of the erasure reporter: ready while its thread runs; its thread's failure (broker or registry
 * unreachable, fenced) is the supervisor's signal to start a fresh one, which reads the unreported requests again.
 */
final class ErasureReporterIncarnation implements Supervised {

    private final ErasureReporter reporter;

    ErasureReporterIncarnation(ErasureReporter reporter) {
        this.reporter = reporter;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) {
        reporter.start(onFailure);
    }

    @Override
    public ComponentHealth health() {
        return reporter.isRunning()
                ? ComponentHealth.ready("RUNNING")
                : ComponentHealth.notReady("STOPPED", "the reporter's thread is not running");
    }

    @Override
    public void close() {
        reporter.close();
    }
}
