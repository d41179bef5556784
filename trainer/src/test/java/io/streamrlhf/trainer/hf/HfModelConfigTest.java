package io.streamrlhf.trainer.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class HfModelConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // Qwen2.5-0.5B-Instruct's config.json, as published.
    private static final String QWEN25 = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
             "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}
            """;

    // Llama 3.2 1B's config.json, as published.
    private static final String LLAMA32 = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
             "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1,
             "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
             "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
             "vocab_size": 128256}
            """;

    // Qwen3-0.6B's config.json, as published.
    private static final String QWEN3 = """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
             "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """;

    @Test
    void readsQwen25WithQkvBiasesAndNoOutputBias() throws IOException {
        HfModelConfig c = HfModelConfig.parse(JSON.readTree(QWEN25));
        assertThat(c.modelType()).isEqualTo(HfModelConfig.ModelType.QWEN2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.outputBias()).isFalse();
        assertThat(c.qkNorm()).isFalse();
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.slidingWindow()).as("off unless use_sliding_window").isNull();
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.eosTokenIds()).containsExactly(151645);
        assertThat(c.bosTokenId()).isEqualTo(151643);
        assertThat(c.torchDtype()).isEqualTo("bfloat16");
    }

    @Test
    void readsLlama32WithLlama3RopeScaling() throws IOException {
        HfModelConfig c = HfModelConfig.parse(JSON.readTree(LLAMA32));
        assertThat(c.modelType()).isEqualTo(HfModelConfig.ModelType.LLAMA);
        assertThat(c.ropeScaling()).isEqualTo(new HfModelConfig.RopeScaling(32, 1, 4, 8192));
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.headDim()).isEqualTo(64);
    }

    @Test
    void readsQwen3WithQkNormAndExplicitHeadDim() throws IOException {
        HfModelConfig c = HfModelConfig.parse(JSON.readTree(QWEN3));
        assertThat(c.qkNorm()).isTrue();
        assertThat(c.headDim()).as("explicit, not hidden/heads = 64").isEqualTo(128);
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.ropeScaling()).isNull();
    }

    @Test
    void readsEosTokenIdsGivenAsAList() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(LLAMA32);
        c.putArray("eos_token_id").add(128001).add(128008).add(128009);
        assertThat(HfModelConfig.parse(c).eosTokenIds()).containsExactly(128001, 128008, 128009);
    }

    @Test
    void refusesUnsupportedModelTypes() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(LLAMA32);
        c.put("model_type", "gpt2");
        assertThatThrownBy(() -> HfModelConfig.parse(c))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("'model_type'")
                .hasMessageContaining("gpt2");
    }

    @Test
    void refusesRopeTypesThatWouldChangeTheMath() throws IOException {
        for (String type : new String[] {"yarn", "dynamic", "linear", "longrope"}) {
            ObjectNode c = (ObjectNode) JSON.readTree(LLAMA32);
            ((ObjectNode) c.get("rope_scaling")).put("rope_type", type);
            assertThatThrownBy(() -> HfModelConfig.parse(c))
                    .as(type)
                    .hasMessageContaining("'rope_scaling.rope_type'")
                    .hasMessageContaining(type);
        }
        ObjectNode legacy = (ObjectNode) JSON.readTree(LLAMA32);
        ObjectNode scaling = (ObjectNode) legacy.get("rope_scaling");
        scaling.remove("rope_type");
        scaling.put("type", "dynamic");
        assertThatThrownBy(() -> HfModelConfig.parse(legacy)).hasMessageContaining("dynamic");
        ObjectNode incomplete = (ObjectNode) JSON.readTree(LLAMA32);
        ((ObjectNode) incomplete.get("rope_scaling")).remove("low_freq_factor");
        assertThatThrownBy(() -> HfModelConfig.parse(incomplete))
                .hasMessageContaining("'rope_scaling.low_freq_factor'")
                .hasMessageContaining("missing");
    }

    @Test
    void refusesOptionsThatWouldChangeTheMath() throws IOException {
        assertRefused(QWEN25, "use_sliding_window", true);
        assertRefused(LLAMA32, "mlp_bias", true);
        assertRefused(LLAMA32, "hidden_act", "gelu");
        assertRefused(LLAMA32, "attention_dropout", 0.1);
        assertRefused(LLAMA32, "num_key_value_heads", 7);
        assertRefused(LLAMA32, "hidden_size", -1);
        assertRefused(LLAMA32, "vocab_size", "many");
    }

    @Test
    void namesAMissingRequiredField() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(QWEN3);
        c.remove("intermediate_size");
        assertThatThrownBy(() -> HfModelConfig.parse(c))
                .hasMessageContaining("'intermediate_size'")
                .hasMessageContaining("missing");
    }

    @Test
    void keepsMistralsSlidingWindow() throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(LLAMA32);
        c.put("model_type", "mistral");
        c.remove("rope_scaling");
        c.put("sliding_window", 4096);
        HfModelConfig parsed = HfModelConfig.parse(c);
        assertThat(parsed.slidingWindow()).isEqualTo(4096);
        assertThat(parsed.qkvBias()).isFalse();
    }

    private static void assertRefused(String config, String field, Object value) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(config);
        c.set(field, JSON.valueToTree(value));
        assertThatThrownBy(() -> HfModelConfig.parse(c))
                .as(field + " = " + value)
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("'" + field + "'");
    }
}
