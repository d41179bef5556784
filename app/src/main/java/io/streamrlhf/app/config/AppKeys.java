package io.streamrlhf.app.config;

import io.streamrlhf.config.Setting;
import java.time.Duration;
import java.util.List;

/** Keys of the command line itself. */
public final class AppKeys {

    public static final Setting<Integer> TORCH_THREADS = Setting.integer(
                    "torch.threads",
                    null,
                    "libtorch intra-op threads per model (demo: 1, so that trainer and sampler do not oversubscribe two "
                            + "cores); unset leaves DJL's default")
            .requiring(n -> n >= 1 && n <= 9999, "a whole number from 1 to 9999");
    public static final Setting<Boolean> TORCH_MKL_DISPATCH = Setting.bool(
            "torch.mkl.dispatch",
            true,
            "on AMD CPUs, load the trainer's MKL dispatch shim so libtorch's MKL uses its fast kernels "
                    + "(docs/devices.md); false keeps MKL's generic AMD paths");
    public static final Setting<Boolean> TOPICS_CREATE = Setting.bool(
            "topics.create",
            false,
            "whether run provisions every topic before starting (demo and up always do); off by default because "
                    + "a production cluster's topics are an operator's decision, made once with "
                    + "'streamrlhf topics create', and component principals often lack the right to create them");

    public static final Setting<Integer> WARMSTART_CORPUS_LINES = Setting.integer(
                    "warmstart.corpus.lines",
                    4000,
                    "lines of the demo's generated warm-start corpus (written once to data.dir/warmstart.tsv)")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<Double> WARMSTART_GOOD_SHARE = Setting.decimal(
                    "warmstart.good.share",
                    0.5,
                    "share of the demo corpus's lines answered the way the simulated users like")
            .requiring(p -> p >= 0 && p <= 1, "a number in [0, 1]");
    public static final Setting<Long> WARMSTART_SEED =
            Setting.longValue("warmstart.seed", 11L, "seed of the demo's warm-start corpus");

    public static final Setting<Duration> SUPERVISOR_BACKOFF_INITIAL = Setting.duration(
                    "supervisor.backoff.initial",
                    Duration.ofSeconds(1),
                    "delay before restarting a component after its first failure; each further consecutive failure "
                            + "doubles it")
            .requiring(d -> !d.isNegative() && !d.isZero(), "a positive duration");
    public static final Setting<Duration> SUPERVISOR_BACKOFF_MAX = Setting.duration(
                    "supervisor.backoff.max",
                    Duration.ofSeconds(30),
                    "longest delay between two restarts of a failed component")
            .requiring(d -> !d.isNegative() && !d.isZero(), "a positive duration");
    public static final Setting<Duration> SUPERVISOR_RESET_AFTER = Setting.duration(
                    "supervisor.reset.after",
                    Duration.ofMinutes(2),
                    "a component that ran this long before failing starts counting its consecutive failures (and "
                            + "its backoff) from zero again")
            .requiring(d -> !d.isNegative() && !d.isZero(), "a positive duration");
    public static final Setting<Integer> SUPERVISOR_MAX_FAILURES = Setting.integer(
                    "supervisor.max.failures",
                    5,
                    "consecutive failures of one component after which the process exits with status 70, so that "
                            + "an orchestrator (compose, Kubernetes, systemd) restarts it")
            .requiring(n -> n >= 1 && n <= 1000, "a whole number from 1 to 1000");
    public static final Setting<String> OPS_BIND = Setting.string(
            "ops.bind",
            "127.0.0.1",
            "address the health and metrics server (/health/live, /health/ready, /metrics) listens on; loopback by "
                    + "default, 0.0.0.0 for a Prometheus in another container");
    public static final Setting<Integer> OPS_PORT = Setting.integer(
                    "ops.port",
                    9464,
                    "port of the health and metrics server of run and demo (0: any free port, -1: no server)")
            .requiring(n -> n >= -1 && n <= 65535, "-1, or a port from 0 to 65535");

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            TORCH_THREADS,
            TORCH_MKL_DISPATCH,
            TOPICS_CREATE,
            WARMSTART_CORPUS_LINES,
            WARMSTART_GOOD_SHARE,
            WARMSTART_SEED,
            SUPERVISOR_BACKOFF_INITIAL,
            SUPERVISOR_BACKOFF_MAX,
            SUPERVISOR_RESET_AFTER,
            SUPERVISOR_MAX_FAILURES,
            OPS_BIND,
            OPS_PORT);

    private AppKeys() {}
}
