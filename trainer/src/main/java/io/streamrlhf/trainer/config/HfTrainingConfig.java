package io.streamrlhf.trainer.config;

import io.streamrlhf.trainer.model.llama.LoraConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Training a Hugging Face model directory instead of the built-in byte-level model.
 *
 * @param modelDir the directory: {@code config.json}, {@code model.safetensors} (or a sharded index),
 *     {@code tokenizer.json} and {@code tokenizer_config.json}
 * @param lora the adapters to train, base weights frozen; empty for full fine-tuning (small models only: the
 *     optimizer then keeps two moments per weight)
 */
public record HfTrainingConfig(Path modelDir, Optional<LoraConfig> lora) {

    /** Validates. */
    public HfTrainingConfig {
        if (modelDir == null) {
            throw new IllegalArgumentException("trainer.model.dir must name a Hugging Face model directory");
        }
        if (lora == null) {
            throw new IllegalArgumentException("lora must be present or empty, not null");
        }
    }
}
