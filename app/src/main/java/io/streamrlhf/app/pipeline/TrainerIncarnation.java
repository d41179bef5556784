package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.ProcessMetrics;
import io.streamrlhf.app.ops.Supervised;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One online trainer on its own thread. A failure is its loop ending on its own: with an exception (a fenced
 * producer, the checkpoint store unwritable, the registry down during recovery) or, unexpectedly, without one.
 * Ready while the trainer is {@code RUNNING} (recovered and training).
 */
final class TrainerIncarnation implements Supervised {

    private final OnlineTrainer trainer;
    private final TrainerMeters meters;
    private final ProcessMetrics metrics;
    private final List<AutoCloseable> clientMeters = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private Thread thread;

    TrainerIncarnation(OnlineTrainer trainer, TrainerMeters meters, ProcessMetrics metrics) {
        this.trainer = trainer;
        this.meters = meters;
        this.metrics = metrics;
    }

    OnlineTrainer trainer() {
        return trainer;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) {
        trainer.onClientsCreated((producer, consumer) -> {
            clientMeters.add(metrics.bindClient(producer, "trainer"));
            clientMeters.add(metrics.bindClient(consumer, "trainer"));
        });
        meters.attach(trainer);
        thread = new Thread(
                () -> {
                    try {
                        trainer.run();
                        if (!stopping) {
                            onFailure.accept(new IllegalStateException("the trainer loop ended on its own"));
                        }
                    } catch (RuntimeException | Error e) {
                        if (!stopping) {
                            onFailure.accept(e);
                        }
                    }
                },
                "streamrlhf-trainer");
        thread.start();
    }

    @Override
    public ComponentHealth health() {
        OnlineTrainer.State state = trainer.state();
        return state == OnlineTrainer.State.RUNNING
                ? ComponentHealth.ready(state.name())
                : ComponentHealth.notReady(
                        state.name(),
                        state == OnlineTrainer.State.RECOVERING
                                ? "recovering the last committed version"
                                : "not training");
    }

    @Override
    public void close() throws Exception {
        stopping = true;
        trainer.stop();
        if (thread != null) {
            thread.join(Duration.ofSeconds(120).toMillis());
        }
        trainer.close();
        for (AutoCloseable m : clientMeters) {
            m.close();
        }
        meters.retire(trainer);
    }
}
