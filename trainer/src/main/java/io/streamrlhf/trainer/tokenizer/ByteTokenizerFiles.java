package io.streamrlhf.trainer.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link ByteTokenizer}'s vocabulary as Hugging Face files, so a byte-level model directory loads through
 * {@link HfTokenizer} like any other and encodes exactly as {@link ByteTokenizer} does.
 *
 * <p>{@code tokenizer.json}: a BPE model without merges over the 256 byte-level symbols (GPT-2's byte-to-character
 * table, so id {@code b} is byte {@code b}), a byte-level pre-tokenizer and decoder that do not split, and the four
 * special tokens at 256-259. {@code tokenizer_config.json}: those tokens as {@code bos_token}, {@code eos_token} and
 * {@code pad_token}, and a chat template that lays a prompt out as {@code BOS prompt SEP}. One difference remains:
 * like every Hugging Face tokenizer, a text that spells a special token ({@code <|sep|>}) encodes as that token,
 * where {@link ByteTokenizer} encodes its bytes.
 */
public final class ByteTokenizerFiles {

    /** Text of {@link ByteTokenizer#BOS}. */
    public static final String BOS = "<|bos|>";
    /** Text of {@link ByteTokenizer#EOS}. */
    public static final String EOS = "<|eos|>";
    /** Text of {@link ByteTokenizer#PAD}. */
    public static final String PAD = "<|pad|>";
    /** Text of {@link ByteTokenizer#SEP}. */
    public static final String SEP = "<|sep|>";

    /** The chat template: the beginning token, the user turns' text, then the separator as the generation prompt. */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}{{ message.content }}"
            + "{% endfor %}{% if add_generation_prompt %}" + SEP + "{% endif %}";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ByteTokenizerFiles() {}

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if missing). */
    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson());
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig());
    }

    static ObjectNode tokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {BOS, EOS, PAD, SEP};
        for (int i = 0; i < specials.length; i++) {
            added.addObject()
                    .put("id", ByteTokenizer.BOS + i)
                    .put("content", specials[i])
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel());
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(BOS);
        bos.put("id", BOS);
        bos.putArray("ids").add(ByteTokenizer.BOS);
        bos.putArray("tokens").add(BOS);
        root.set("decoder", byteLevel());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(symbols[b]), b);
        }
        model.putArray("merges");
        return root;
    }

    private static ObjectNode byteLevel() {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", false);
        n.put("use_regex", false);
        return n;
    }

    static ObjectNode tokenizerConfig() {
        ObjectNode root = JSON.createObjectNode();
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.put("bos_token", BOS);
        root.put("eos_token", EOS);
        root.put("pad_token", PAD);
        root.put("add_bos_token", true);
        root.put("model_max_length", 1 << 20);
        root.put("chat_template", CHAT_TEMPLATE);
        return root;
    }

    /**
     * GPT-2's byte-to-character table, which byte-level tokenizers use so that every byte is a printable
     * character: printable Latin-1 bytes stand for themselves, the others map to 256 and up in order.
     */
    static char[] byteSymbols() {
        char[] out = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) (256 + next++);
        }
        return out;
    }
}
