package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.trainer.model.llama.LoraConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a Hugging Face model's version holds and how it is written: under LoRA the adapters in PEFT's layout
 * ({@code adapter_config.json} + {@code adapter_model.safetensors}), under full fine-tuning every weight in
 * {@code model.safetensors}; see {@link HfCheckpointFiles}.
 *
 * @param lora the adapters' hyper-parameters, or empty for full fine-tuning
 * @param baseModel the base model as {@code adapter_config.json}'s {@code base_model_name_or_path} names it
 * @param shapes every trained tensor's shape, by the name the checkpoint's weights use
 */
public record HfLayout(Optional<LoraConfig> lora, String baseModel, Map<String, long[]> shapes) {

    /** Copies the shapes. */
    public HfLayout {
        if (lora == null || baseModel == null || shapes == null) {
            throw new IllegalArgumentException("lora, baseModel and shapes must not be null");
        }
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
    }
}
