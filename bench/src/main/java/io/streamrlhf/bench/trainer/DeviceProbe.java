package io.streamrlhf.bench.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.loop.PreferenceTrainer.StepResult;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.Devices;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.parallel.DataParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the trainer would run on here: the engine, the devices {@code trainer.devices} resolves to,
 * the fp32 matmul rate on the first one, and DPO steps of the default model on those devices (data
 * parallel when there are several), with the loss before and after. The quick check to run on a new
 * (GPU) machine before anything else.
 *
 * <p>Usage: {@code DeviceProbe [devices=auto] [steps=20]}. Command-line output only.
 */
public final class DeviceProbe {

    private DeviceProbe() {}

    /** Prints the probe's findings. */
    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : Devices.AUTO;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Engine engine = Engine.getInstance();
        List<Device> devices = Devices.parse(spec);
        System.out.printf(
                Locale.ROOT,
                "engine %s %s, GPUs seen %d, trainer.devices=%s -> %s%n",
                engine.getEngineName(),
                engine.getVersion(),
                engine.getGpuCount(),
                spec,
                devices);
        System.out.printf(
                Locale.ROOT,
                "best fp32 matmul: %.0f GFLOP/s on %s%n",
                DpoStepBenchmark.bestMatmulGflops(devices.get(0), 1024, 2048, 4096),
                devices.get(0));
        List<PairExample> pairs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            pairs.add(new PairExample(
                    "p" + i, "What is " + i + "+2?", String.valueOf(i + 2), "I do not know, sorry " + i, 1.0));
        }
        OptimizerConfig optimizer = new OptimizerConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, 1.0, 0);
        try (PolicyModel policy = PolicyModel.create(ModelConfig.defaults(), devices.get(0));
                ReferenceModel reference = new ReferenceModel(policy.frozenCopy(), 1000);
                AdamW adam = new AdamW(optimizer, policy.parameters());
                DataParallel parallel = DataParallel.over(policy, devices)) {
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, adam, parallel);
            List<SourceBatch> batch =
                    List.of(new SourceBatch.Pairs("dpo", LossConfig.defaults(LossType.DPO_SIGMOID), 1.0, pairs));
            StepResult first = trainer.step(batch);
            StepResult last = first;
            double seconds = 0;
            long tokens = 0;
            for (int i = 1; i < steps; i++) {
                last = trainer.step(batch);
                seconds += last.seconds();
                tokens += last.tokens();
            }
            System.out.printf(
                    Locale.ROOT,
                    "DPO steps on %s: loss %.4f -> %.4f, margin %.3f -> %.3f, %.0f tokens/s%n",
                    devices,
                    first.metrics().get("loss/dpo"),
                    last.metrics().get("loss/dpo"),
                    first.metrics().get("rewards/margins"),
                    last.metrics().get("rewards/margins"),
                    tokens / Math.max(seconds, 1e-9));
        }
    }
}
