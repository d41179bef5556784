package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.ProcessMetrics;
import io.streamrlhf.app.ops.Supervised;
import io.streamrlhf.producers.sampler.PolicyFollower;
import io.streamrlhf.producers.sampler.RolloutSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One rollout sampler and its policy follower, each on its own thread. A failure is either thread ending on its
 * own (the follower never should: it retries outages; the sampler's loop ends on a Kafka or model error). Ready
 * once the sampler serves a policy version.
 */
final class SamplerIncarnation implements Supervised {

    private final PolicyFollower follower;
    private final RolloutSampler sampler;
    private final SamplerMeters meters;
    private final ProcessMetrics metrics;
    private final List<AutoCloseable> clientMeters = new ArrayList<>();
    private volatile boolean stopping;
    private Thread followerThread;
    private Thread samplerThread;

    SamplerIncarnation(PolicyFollower follower, RolloutSampler sampler, SamplerMeters meters, ProcessMetrics metrics) {
        this.follower = follower;
        this.sampler = sampler;
        this.meters = meters;
        this.metrics = metrics;
    }

    RolloutSampler sampler() {
        return sampler;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) {
        clientMeters.add(metrics.bindClient(sampler.kafkaConsumer(), "sampler"));
        clientMeters.add(metrics.bindClient(sampler.kafkaProducer(), "sampler"));
        meters.attach(sampler, follower);
        followerThread = watched("policy-follower", follower, onFailure);
        samplerThread = watched("sampler", sampler, onFailure);
    }

    private Thread watched(String name, Runnable body, Consumer<Throwable> onFailure) {
        Thread t = new Thread(
                () -> {
                    try {
                        body.run();
                        if (!stopping) {
                            onFailure.accept(new IllegalStateException("the " + name + " thread ended on its own"));
                        }
                    } catch (RuntimeException | Error e) {
                        if (!stopping) {
                            onFailure.accept(e);
                        }
                    }
                },
                "streamrlhf-" + name);
        t.start();
        return t;
    }

    @Override
    public ComponentHealth health() {
        long version = sampler.currentVersion();
        return version >= 0
                ? new ComponentHealth("SERVING", true, "policy version " + version)
                : ComponentHealth.notReady("NO_POLICY", "waiting for the first policy version to load");
    }

    @Override
    public void close() throws Exception {
        stopping = true;
        sampler.close();
        if (samplerThread != null) {
            samplerThread.join(Duration.ofSeconds(120).toMillis());
        }
        follower.close();
        if (followerThread != null) {
            followerThread.join(Duration.ofSeconds(30).toMillis());
        }
        for (AutoCloseable m : clientMeters) {
            m.close();
        }
        meters.retire(sampler, follower);
    }
}
