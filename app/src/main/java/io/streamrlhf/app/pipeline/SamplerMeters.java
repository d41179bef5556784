package io.streamrlhf.app.pipeline;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamrlhf.producers.sampler.PolicyFollower;
import io.streamrlhf.producers.sampler.RolloutSampler;

/** The sampler's meters, kept across restarts (retired incarnations' counts plus the running one's). */
final class SamplerMeters {

    private volatile RolloutSampler sampler;
    private volatile PolicyFollower follower;
    private long retiredRollouts;
    private long retiredFailedLoads;

    SamplerMeters(MeterRegistry registry) {
        FunctionCounter.builder("streamrlhf.sampler.rollouts", this, SamplerMeters::rollouts)
                .description("rollouts generated and committed")
                .register(registry);
        FunctionCounter.builder("streamrlhf.sampler.policy.load.failures", this, SamplerMeters::failedLoads)
                .description("published versions whose checkpoint could not be loaded")
                .register(registry);
        Gauge.builder("streamrlhf.sampler.version", this, SamplerMeters::version)
                .description("the policy version the sampler serves, -1 before the first")
                .register(registry);
        Gauge.builder("streamrlhf.sampler.version.loaded", this, SamplerMeters::loaded)
                .description("the newest policy version the follower loaded, -1 before the first")
                .register(registry);
    }

    private synchronized double rollouts() {
        RolloutSampler s = sampler;
        return retiredRollouts + (s == null ? 0 : s.rollouts());
    }

    private synchronized double failedLoads() {
        PolicyFollower f = follower;
        return retiredFailedLoads + (f == null ? 0 : f.failedLoads());
    }

    private double version() {
        RolloutSampler s = sampler;
        return s == null ? -1 : s.currentVersion();
    }

    private double loaded() {
        PolicyFollower f = follower;
        return f == null ? -1 : f.latestLoaded();
    }

    synchronized void attach(RolloutSampler s, PolicyFollower f) {
        sampler = s;
        follower = f;
    }

    synchronized void retire(RolloutSampler s, PolicyFollower f) {
        if (sampler == s) {
            retiredRollouts += s.rollouts();
            sampler = null;
        }
        if (follower == f) {
            retiredFailedLoads += f.failedLoads();
            follower = null;
        }
    }
}
