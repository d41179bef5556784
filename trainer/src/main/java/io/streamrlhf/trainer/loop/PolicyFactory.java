package io.streamrlhf.trainer.loop;

import ai.djl.Device;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.config.HfTrainingConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import io.streamrlhf.trainer.parallel.DataParallel;
import io.streamrlhf.trainer.sft.PromptCompletionCorpus;
import io.streamrlhf.trainer.sft.SupervisedFineTuning;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the {@link OnlineTrainer}'s policy and frozen reference for one model kind: the built-in byte-level
 * {@link PolicyModel} (random weights, optionally pre-trained on the warm-start corpus; its reference a frozen copy
 * of version 0) or a Hugging Face directory's {@link LlamaPolicy} (its own weights, under full fine-tuning optionally
 * warm-started the same way; its reference version 0: the same base with the adapters off, or a frozen copy). The loop itself only sees {@link TrainableModel}s.
 */
interface PolicyFactory {

    /** Reads a checkpoint when asked. */
    @FunctionalInterface
    interface CheckpointReader {
        Checkpoint read() throws IOException;
    }

    /** Version 0's policy; what it did to get there goes into {@code summary}. */
    TrainableModel start(Map<String, Double> summary) throws IOException;

    /** The policy holding {@code checkpoint}'s weights. */
    TrainableModel resume(Checkpoint checkpoint) throws IOException;

    /**
     * The frozen reference of {@code policy}, which the caller closes.
     *
     * @param version0 reads version 0's checkpoint, for a model whose reference is a copy of it; null when
     *     {@code policy} is version 0 itself
     */
    TrainableModel reference(TrainableModel policy, CheckpointReader version0) throws IOException;

    /** Data parallelism over {@code devices} when this kind supports it and there are several, else null. */
    DataParallel parallel(TrainableModel policy, List<Device> devices);

    /** How a version of {@code policy} is laid out: empty for the byte-level model's single file. */
    Optional<HfLayout> layout(TrainableModel policy);

    /** The factory of {@code config}'s model kind, placing the policy on {@code device}. */
    static PolicyFactory of(TrainerConfig config, Device device) {
        return config.hfModel()
                .<PolicyFactory>map(hf -> new HuggingFace(config, hf, device))
                .orElseGet(() -> new ByteLevel(config, device));
    }

    /** Whether {@code config} asks for a warm start: a corpus and at least one step. */
    static boolean warmStarts(TrainerConfig config) {
        return config.warmStartCorpus().isPresent() && config.warmStartSteps() > 0;
    }

    /**
     * The warm start when {@code config} asks for one: supervised fine-tuning of {@code policy}'s trainable
     * parameters on the corpus, whose result is version 0.
     */
    static void warmStart(TrainerConfig config, TrainableModel policy, Map<String, Double> summary) throws IOException {
        if (!warmStarts(config)) {
            return;
        }
        var corpus = PromptCompletionCorpus.read(config.warmStartCorpus().get());
        double loss = SupervisedFineTuning.train(
                policy,
                corpus,
                config.warmStartSteps(),
                16,
                config.optimizer()
                        .withSchedule(
                                config.warmStartLearningRate(),
                                config.optimizer().warmupSteps()),
                config.model().seed());
        summary.put("sft/loss", loss);
        summary.put("sft/examples", (double) corpus.size());
    }

    /** The built-in byte-level transformer shaped by {@code trainer.model.*}. */
    final class ByteLevel implements PolicyFactory {

        private final TrainerConfig config;
        private final Device device;

        ByteLevel(TrainerConfig config, Device device) {
            this.config = config;
            this.device = device;
        }

        @Override
        public TrainableModel start(Map<String, Double> summary) throws IOException {
            PolicyModel policy = PolicyModel.create(config.model(), device);
            try {
                warmStart(config, policy, summary);
                return policy;
            } catch (IOException | RuntimeException e) {
                policy.close();
                throw e;
            }
        }

        @Override
        public TrainableModel resume(Checkpoint checkpoint) {
            return checkpoint.toPolicyModel(device);
        }

        @Override
        public TrainableModel reference(TrainableModel policy, CheckpointReader version0) throws IOException {
            if (version0 == null) {
                return ((PolicyModel) policy).frozenCopy();
            }
            try (PolicyModel loaded = version0.read().toPolicyModel(device)) {
                return loaded.frozenCopy();
            }
        }

        @Override
        public DataParallel parallel(TrainableModel policy, List<Device> devices) {
            return devices.size() > 1 ? DataParallel.over((PolicyModel) policy, devices) : null;
        }

        @Override
        public Optional<HfLayout> layout(TrainableModel policy) {
            return Optional.empty();
        }
    }

    /** A Hugging Face Llama-family directory, trained through LoRA or whole. */
    final class HuggingFace implements PolicyFactory {

        private static final Logger LOG = LoggerFactory.getLogger(HuggingFace.class);

        private final TrainerConfig config;
        private final HfTrainingConfig hf;
        private final Device device;

        HuggingFace(TrainerConfig config, HfTrainingConfig hf, Device device) {
            this.config = config;
            this.hf = hf;
            this.device = device;
        }

        /**
         * The directory's model; with a warm start (full fine-tuning only: {@link TrainerConfig} refuses one under
         * LoRA) trained on the corpus first, so that version 0 is the warm-started weights.
         */
        @Override
        public TrainableModel start(Map<String, Double> summary) throws IOException {
            LlamaPolicy policy = load();
            try {
                summary.put("parameters/trainable", (double) count(policy.trainableParameters()));
                summary.put("parameters/base", (double) policy.model().parameterCount());
                warmStart(config, policy, summary);
                return policy;
            } catch (IOException | RuntimeException e) {
                policy.close();
                throw e;
            }
        }

        @Override
        public TrainableModel resume(Checkpoint checkpoint) throws IOException {
            LlamaPolicy policy = load();
            try {
                policy.loadWeights(checkpoint.weights());
                return policy;
            } catch (RuntimeException e) {
                policy.close();
                throw e;
            }
        }

        /**
         * Version 0: under LoRA the base itself (adapters off); under full fine-tuning a second, frozen load holding
         * version 0's weights (the policy's own when it is version 0), which differ from the directory's after a
         * warm start.
         */
        @Override
        public TrainableModel reference(TrainableModel policy, CheckpointReader version0) throws IOException {
            LlamaPolicy llama = (LlamaPolicy) policy;
            if (hf.lora().isPresent()) {
                return llama.frozenReference();
            }
            return llama.frozenReference(
                    version0 == null ? llama.exportWeights() : version0.read().weights());
        }

        @Override
        public DataParallel parallel(TrainableModel policy, List<Device> devices) {
            if (devices.size() > 1) {
                LOG.warn("A Hugging Face model trains on one device; using {} of {}", devices.get(0), devices);
            }
            return null;
        }

        /** The adapters in PEFT's layout under LoRA, the weights as a Hugging Face model otherwise. */
        @Override
        public Optional<HfLayout> layout(TrainableModel policy) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            policy.trainableParameters()
                    .forEach((name, array) -> shapes.put(name, array.getShape().getShape()));
            return Optional.of(new HfLayout(hf.lora(), hf.modelDir().toString(), shapes));
        }

        private LlamaPolicy load() throws IOException {
            LlamaPolicy policy = LlamaPolicy.load(
                    hf.modelDir(),
                    hf.lora(),
                    config.model().seed(),
                    config.model().context(),
                    device);
            LOG.info(
                    "Loaded {} ({} parameters), training {} of them ({})",
                    hf.modelDir(),
                    policy.model().parameterCount(),
                    count(policy.trainableParameters()),
                    hf.lora().map(l -> "LoRA " + l).orElse("full fine-tuning"));
            return policy;
        }

        private static long count(Map<String, ai.djl.ndarray.NDArray> parameters) {
            return parameters.values().stream().mapToLong(a -> a.size()).sum();
        }
    }
}
