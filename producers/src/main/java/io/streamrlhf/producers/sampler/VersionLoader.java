package io.streamrlhf.producers.sampler;

import ai.djl.ndarray.NDManager;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Turns a verified checkpoint into a {@link ServedPolicy}: {@link #byteLevel()} for the built-in model, or
 * {@link #huggingFace(Path)} for a Hugging Face directory, whose base weights and tokenizer it loads once; each
 * LoRA version then adds only its adapters, which the sampler swaps in at a batch boundary. A full fine-tuning
 * version is a whole model of its own. Close the loader after every policy it served.
 */
public interface VersionLoader extends AutoCloseable {

    /** The policy of {@code checkpoint}, which the caller closes. */
    ServedPolicy load(Checkpoint checkpoint) throws IOException;

    @Override
    default void close() {}

    /** The built-in byte-level model. */
    static VersionLoader byteLevel() {
        return checkpoint -> new ByteLevel(checkpoint.toPolicyModel());
    }

    /** Versions of the Hugging Face model in {@code modelDir}; loads its weights and tokenizer now. */
    static VersionLoader huggingFace(Path modelDir) throws IOException {
        return new HuggingFace(modelDir);
    }

    /** A byte-level version. */
    final class ByteLevel implements ServedPolicy {
        private final PolicyModel model;

        ByteLevel(PolicyModel model) {
            this.model = model;
        }

        @Override
        public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
            return new Generator(model).generate(prompts, sampling, random);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** A Hugging Face base loaded once; LoRA versions are adapters on it. */
    final class HuggingFace implements VersionLoader {
        private final Path modelDir;
        private final NDManager root;
        private final LlamaModel base;
        private final HfTokenizer tokenizer;

        private HuggingFace(Path modelDir) throws IOException {
            this.modelDir = modelDir;
            this.root = NDManager.newBaseManager();
            try {
                this.base = LlamaModel.load(modelDir, root);
                base.setTrainable(false);
                this.tokenizer = HfTokenizer.load(modelDir);
            } catch (IOException | RuntimeException e) {
                root.close();
                throw e;
            }
        }

        @Override
        public ServedPolicy load(Checkpoint checkpoint) throws IOException {
            HfLayout layout = checkpoint
                    .hf()
                    .orElseThrow(() -> new IOException("version " + checkpoint.version() + " of "
                            + checkpoint.modelId() + " is a byte-level model's, but this sampler serves "
                            + modelDir + " (trainer.model.dir)"));
            if (layout.lora().isPresent()) {
                return new Adapted(LoraAdapters.of(base, layout.lora().get(), checkpoint.weights()));
            }
            LlamaModel whole = LlamaModel.load(modelDir, root);
            try {
                PolicyWeights.load(whole.parameters(), checkpoint.weights());
                return new Whole(whole);
            } catch (RuntimeException e) {
                whole.close();
                throw e;
            }
        }

        @Override
        public void close() {
            tokenizer.close();
            root.close();
        }

        /** One LoRA version: attached to the shared base while it generates. */
        private final class Adapted implements ServedPolicy {
            private final LoraAdapters adapters;

            Adapted(LoraAdapters adapters) {
                this.adapters = adapters;
            }

            @Override
            public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
                base.attach(adapters);
                return new LlamaGenerator(base, tokenizer).generate(prompts, sampling, random);
            }

            @Override
            public void close() {
                if (base.adapters() == adapters) {
                    base.attach(null);
                }
                adapters.close();
            }
        }

        /** One full fine-tuning version: a model of its own. */
        private final class Whole implements ServedPolicy {
            private final LlamaModel model;

            Whole(LlamaModel model) {
                this.model = model;
            }

            @Override
            public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
                return new LlamaGenerator(model, tokenizer).generate(prompts, sampling, random);
            }

            @Override
            public void close() {
                model.close();
            }
        }
    }
}
