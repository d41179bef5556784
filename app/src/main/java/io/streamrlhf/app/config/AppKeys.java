package io.streamrlhf.app.config;

import io.streamrlhf.config.Setting;
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
                    + "(docs/trainer-cpu.md); false keeps MKL's generic AMD paths");
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

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            TORCH_THREADS,
            TORCH_MKL_DISPATCH,
            TOPICS_CREATE,
            WARMSTART_CORPUS_LINES,
            WARMSTART_GOOD_SHARE,
            WARMSTART_SEED);

    private AppKeys() {}
}
