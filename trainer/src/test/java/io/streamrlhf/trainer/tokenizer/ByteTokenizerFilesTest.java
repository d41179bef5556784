package io.streamrlhf.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte vocabulary as Hugging Face files encodes, cuts and decodes exactly like {@link ByteTokenizer}. */
class ByteTokenizerFilesTest {

    private static final String NON_ASCII = "äéßçøÆ€—你好世界";

    private final ByteTokenizer bytes = new ByteTokenizer();

    private static String randomText(Random random) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> s.append((char) (' ' + random.nextInt(95)));
                case 1 -> s.append("\n\t\r ".charAt(random.nextInt(4)));
                case 2 -> s.append(NON_ASCII.charAt(random.nextInt(NON_ASCII.length())));
                case 3 -> s.appendCodePoint(0x1F600 + random.nextInt(64));
                default -> s.append((char) (random.nextInt(0x20)));
            }
        }
        return s.toString();
    }

    @Test
    void encodesCutsAndDecodesLikeTheByteTokenizer(@TempDir Path dir) throws IOException {
        ByteTokenizerFiles.write(dir);
        Random random = new Random(7);
        try (HfTokenizer hf = HfTokenizer.load(dir)) {
            assertThat(hf.vocabSize()).isEqualTo(ByteTokenizer.VOCAB_SIZE);
            assertThat(hf.eosId()).isEqualTo(ByteTokenizer.EOS);
            assertThat(hf.eosIds()).containsExactly(ByteTokenizer.EOS);
            assertThat(hf.padId()).isEqualTo(ByteTokenizer.PAD);
            assertThat(hf.suppressedIds()).containsExactly(bytes.suppressedIds());
            for (int i = 0; i < 300; i++) {
                String prompt = randomText(random);
                String completion = randomText(random);
                int max = 4 + random.nextInt(60);
                boolean ended = random.nextBoolean();
                assertThat(hf.encodePrompt(prompt, max - 1))
                        .as("prompt %s in %d", prompt, max - 1)
                        .containsExactly(bytes.encodePrompt(prompt, max - 1));
                assertThat(hf.encodePair(prompt, completion, max, ended))
                        .as("pair %s / %s in %d", prompt, completion, max)
                        .isEqualTo(bytes.encodePair(prompt, completion, max, ended));
                int[] ids = bytes.encodePair(prompt, completion, 1000, ended).ids();
                assertThat(hf.decode(ids)).isEqualTo(bytes.decode(ids)).contains(completion);
            }
        }
    }

    @Test
    void addsTheBeginningTokenOnceThoughTheFilesPostProcessorWouldAddItToo(@TempDir Path dir) throws IOException {
        ByteTokenizerFiles.write(dir);
        try (HuggingFaceTokenizer plain = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
            // Hugging Face's own default (add_special_tokens=True) puts the beginning token in front.
            assertThat(plain.encode("ab").getIds()).containsExactly(ByteTokenizer.BOS, 'a', 'b');
        }
        try (HfTokenizer chat = HfTokenizer.load(dir);
                HfTokenizer raw = HfTokenizer.load(dir, PromptFormat.RAW, null)) {
            // The chat template writes bos_token itself; nothing else adds one.
            assertThat(chat.encodePrompt("ab", 10)).containsExactly(ByteTokenizer.BOS, 'a', 'b', ByteTokenizer.SEP);
            assertThat(raw.encodePrompt("ab", 10)).containsExactly(ByteTokenizer.BOS, 'a', 'b');
            assertThat(raw.encodePrompt("<|bos|>ab", 10)).containsExactly(ByteTokenizer.BOS, 'a', 'b');
        }
    }
}
