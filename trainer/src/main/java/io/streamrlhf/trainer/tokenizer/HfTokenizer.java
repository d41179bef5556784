package io.streamrlhf.trainer.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The tokenizer of a Hugging Face model directory: {@code tokenizer.json} through DJL's binding of the Rust
 * {@code tokenizers} library (bundled in its jar, no download), with the special tokens of
 * {@code tokenizer_config.json}, {@code generation_config.json} and {@code config.json}, and the chat template.
 *
 * <p>Ids: the end tokens are {@code tokenizer_config.json}'s {@code eos_token} (the one an ended completion is
 * closed with) followed by every {@code eos_token_id} of {@code generation_config.json} and {@code config.json};
 * generation stops at any of them. Padding is {@code pad_token}, else {@code pad_token_id}, else the end token.
 * The model's vocabulary is {@code config.json}'s {@code vocab_size} when present (models pad their embedding
 * past the tokenizer), else the tokenizer's; ids the tokenizer does not have, the beginning token and special
 * tokens other than end tokens are suppressed in generation.
 *
 * <p>Layout: with {@link PromptFormat#CHAT} (the default when the model has a chat template) a prompt is one user
 * turn rendered with the chat template and {@code add_generation_prompt}, so a pair is exactly what
 * {@code apply_chat_template} gives for [user, assistant] up to the assistant's end token. With
 * {@link PromptFormat#RAW} a prompt is the beginning token (if the model has one and adds it) and the text. Text is
 * always encoded without the tokenizer's post-processor adding special tokens, so none is added twice: the
 * template writes its own, and this class adds the beginning and end tokens itself. A prompt that does not fit
 * loses its oldest content tokens while the template's framing around it stays whole; then a completion is cut
 * at its end (losing its end token).
 *
 * <p>Thread-safe. Holds native memory: {@link #close()} it when done.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {

    /** Marks where the prompt goes when the framing of a chat prompt is rendered on its own. */
    private static final String SLOT = "\uE000streamrlhf-prompt\uE000";

    private final HuggingFaceTokenizer tokenizer;
    private final int tokenizerSize;
    private final int vocabSize;
    private final int[] eosIds;
    private final int padId;
    private final OptionalInt bosId;
    private final boolean addBos;
    private final int[] specialIds;
    private final int[] suppressedIds;
    private final Map<String, Integer> specialTokenIds;
    private final ChatTemplate chatTemplate;
    private final PromptFormat format;
    private final Boolean enableThinking;

    private HfTokenizer(TokenizerFiles files, HuggingFaceTokenizer tokenizer, PromptFormat format, Boolean thinking)
            throws IOException {
        this.tokenizer = tokenizer;
        this.tokenizerSize = files.tokenizerSize;
        Map<String, TokenizerFiles.AddedToken> added = files.addedByContent();

        int configVocab = files.modelConfig.path("vocab_size").asInt(0);
        if (configVocab > 0 && configVocab < tokenizerSize) {
            throw new IOException("config.json's vocab_size " + configVocab + " is smaller than the tokenizer's "
                    + tokenizerSize + " ids: the tokenizer does not belong to this model");
        }
        this.vocabSize = configVocab > 0 ? configVocab : tokenizerSize;

        Map<String, Integer> named = new LinkedHashMap<>();
        for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            String content = files.specialToken(name);
            if (content != null) {
                named.put(name, idOf(content, added));
            }
        }
        this.specialTokenIds = Map.copyOf(named);

        Set<Integer> eos = new LinkedHashSet<>();
        if (named.containsKey("eos_token")) {
            eos.add(named.get("eos_token"));
        }
        eos.addAll(TokenizerFiles.ids(files.generationConfig, "eos_token_id"));
        eos.addAll(TokenizerFiles.ids(files.modelConfig, "eos_token_id"));
        if (eos.isEmpty()) {
            throw new IOException("no end token: neither tokenizer_config.json's eos_token nor an eos_token_id in "
                    + "generation_config.json or config.json; generation would never stop");
        }
        this.eosIds = eos.stream().mapToInt(Integer::intValue).toArray();
        for (int id : eosIds) {
            checkId(id, "eos_token_id");
        }

        Integer pad = named.get("pad_token");
        if (pad == null) {
            pad = first(TokenizerFiles.ids(files.generationConfig, "pad_token_id"));
        }
        if (pad == null) {
            pad = first(TokenizerFiles.ids(files.modelConfig, "pad_token_id"));
        }
        this.padId = pad != null ? pad : eosIds[0];
        checkId(padId, "pad token");

        Integer bos = named.get("bos_token");
        this.bosId = bos == null ? OptionalInt.empty() : OptionalInt.of(bos);
        this.addBos = bos != null && files.tokenizerConfig.path("add_bos_token").asBoolean(true);

        this.specialIds = files.addedTokens.stream()
                .filter(TokenizerFiles.AddedToken::special)
                .mapToInt(TokenizerFiles.AddedToken::id)
                .sorted()
                .toArray();
        Set<Integer> suppressed = new LinkedHashSet<>();
        for (int id : specialIds) {
            suppressed.add(id);
        }
        bosId.ifPresent(suppressed::add);
        if (!contains(eosIds, padId)) {
            suppressed.add(padId);
        }
        for (int id : eosIds) {
            suppressed.remove(id);
        }
        for (int id = tokenizerSize; id < vocabSize; id++) {
            suppressed.add(id);
        }
        this.suppressedIds =
                suppressed.stream().mapToInt(Integer::intValue).sorted().toArray();

        String template = files.chatTemplate();
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            String content = files.specialToken(name);
            if (content != null) {
                tokens.put(name, content);
            }
        }
        this.chatTemplate = template == null ? null : ChatTemplate.of(template, tokens);
        if (format == PromptFormat.CHAT && chatTemplate == null) {
            throw new IOException("prompt format CHAT needs a chat template, and " + files.tokenizerJson.getParent()
                    + " has none (no chat_template in tokenizer_config.json, no chat_template.jinja): use RAW");
        }
        this.format = format != null ? format : chatTemplate != null ? PromptFormat.CHAT : PromptFormat.RAW;
        this.enableThinking = thinking;
    }

    /**
     * Loads the tokenizer of a Hugging Face model directory, with prompts rendered by its chat template when it has
     * one and used as raw text otherwise.
     */
    public static HfTokenizer load(Path modelDir) throws IOException {
        return load(modelDir, null, null);
    }

    /**
     * Loads the tokenizer of a Hugging Face model directory.
     *
     * @param format how prompts become model input; {@code null} for CHAT when the model has a chat template
     * @param enableThinking passed to the chat template as {@code enable_thinking} (Qwen3's reasoning switch);
     *     {@code null} leaves it to the template's default
     * @throws IOException when a file is missing, unreadable or inconsistent (no end token, a special token the
     *     vocabulary lacks)
     */
    public static HfTokenizer load(Path modelDir, PromptFormat format, Boolean enableThinking) throws IOException {
        TokenizerFiles files = TokenizerFiles.read(modelDir);
        HuggingFaceTokenizer hf;
        try (InputStream in = Files.newInputStream(files.tokenizerJson)) {
            hf = HuggingFaceTokenizer.newInstance(
                    in, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (RuntimeException e) {
            throw new IOException("cannot load " + files.tokenizerJson + ": " + e.getMessage(), e);
        }
        try {
            return new HfTokenizer(files, hf, format, enableThinking);
        } catch (IOException | RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    private int idOf(String content, Map<String, TokenizerFiles.AddedToken> added) throws IOException {
        TokenizerFiles.AddedToken token = added.get(content);
        if (token != null) {
            return token.id();
        }
        long[] ids = tokenizer.encode(content, false, false).getIds();
        if (ids.length != 1) {
            throw new IOException("special token " + content + " is not a single token of tokenizer.json");
        }
        return Math.toIntExact(ids[0]);
    }

    private void checkId(int id, String what) throws IOException {
        if (id < 0 || id >= tokenizerSize) {
            throw new IOException(what + " " + id + " is outside the tokenizer's ids [0, " + tokenizerSize + ")");
        }
    }

    private static Integer first(List<Integer> ids) {
        return ids.isEmpty() ? null : ids.get(0);
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** The number of ids the tokenizer itself has (the model's vocabulary may be padded past it). */
    public int tokenizerSize() {
        return tokenizerSize;
    }

    /** The end token an ended completion is closed with: {@code tokenizer_config.json}'s {@code eos_token}. */
    @Override
    public int eosId() {
        return eosIds[0];
    }

    @Override
    public int[] eosIds() {
        return eosIds.clone();
    }

    @Override
    public boolean isEos(int id) {
        return contains(eosIds, id);
    }

    @Override
    public int padId() {
        return padId;
    }

    /** The beginning-of-sequence token, if the model has one. */
    public OptionalInt bosId() {
        return bosId;
    }

    /** Ids of the added tokens marked special, ascending. */
    public int[] specialIds() {
        return specialIds.clone();
    }

    /** Ids of {@code bos_token}, {@code eos_token}, {@code pad_token} and {@code unk_token}, those the model has. */
    public Map<String, Integer> specialTokenIds() {
        return specialTokenIds;
    }

    @Override
    public int[] suppressedIds() {
        return suppressedIds.clone();
    }

    /** The model's chat template, if it has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /** How prompts become model input. */
    public PromptFormat promptFormat() {
        return format;
    }

    /**
     * Token ids of {@code text} as it is: special tokens written in it (such as {@code <|im_start|>}) are
     * recognised, none is added.
     */
    public int[] encodeText(String text) {
        return toInts(tokenizer.encode(text, false, false).getIds());
    }

    /** Token ids of a conversation rendered with the chat template, as {@code apply_chat_template} tokenizes it. */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return encodeText(requireTemplate().render(messages, addGenerationPrompt, enableThinking));
    }

    /** The text the model is conditioned on for {@code prompt}: the rendered chat turn, or the prompt itself. */
    public String promptText(String prompt) {
        return format == PromptFormat.CHAT
                ? requireTemplate().render(List.of(ChatMessage.user(prompt)), true, enableThinking)
                : prompt;
    }

    private ChatTemplate requireTemplate() {
        if (chatTemplate == null) {
            throw new IllegalStateException("this model has no chat template");
        }
        return chatTemplate;
    }

    @Override
    public int[] encodePrompt(String prompt, int maxTokens) {
        int[] whole = wholePrompt(prompt);
        if (whole.length <= maxTokens) {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
            }
            return whole;
        }
        int[][] frame = framing();
        int framing = frame[0].length + frame[1].length;
        if (maxTokens < framing + 1) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " leaves no room for the prompt: its "
                    + format + " framing alone takes " + framing + " tokens");
        }
        int[] content = encodeText(prompt);
        int keep = Math.min(content.length, maxTokens - framing);
        int[] ids = new int[frame[0].length + keep + frame[1].length];
        System.arraycopy(frame[0], 0, ids, 0, frame[0].length);
        System.arraycopy(content, content.length - keep, ids, frame[0].length, keep);
        System.arraycopy(frame[1], 0, ids, frame[0].length + keep, frame[1].length);
        return ids;
    }

    /** The prompt's ids when nothing is cut: the rendered text tokenized in one piece. */
    private int[] wholePrompt(String prompt) {
        if (format == PromptFormat.CHAT) {
            return encodeText(promptText(prompt));
        }
        int[] text = encodeText(prompt);
        if (!addBos || (text.length > 0 && text[0] == bosId.getAsInt())) {
            return text;
        }
        int[] ids = new int[text.length + 1];
        ids[0] = bosId.getAsInt();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }

    /** The ids before and after the prompt's content, which truncation keeps whole. */
    private int[][] framing() {
        if (format == PromptFormat.RAW) {
            return new int[][] {addBos ? new int[] {bosId.getAsInt()} : new int[0], new int[0]};
        }
        String rendered = promptText(SLOT);
        int at = rendered.indexOf(SLOT);
        if (at < 0 || rendered.indexOf(SLOT, at + 1) >= 0) {
            throw new ChatTemplateException("the chat template does not place a user message's content exactly once "
                    + "in the prompt, so a long prompt cannot be cut while keeping the template's framing");
        }
        return new int[][] {encodeText(rendered.substring(0, at)), encodeText(rendered.substring(at + SLOT.length()))};
    }

    @Override
    public EncodedPair encodePair(String prompt, String completion, int maxTokens, boolean ended) {
        int[] c = encodeText(completion);
        int wanted = c.length + (ended ? 1 : 0);
        int[] whole = wholePrompt(prompt);
        int[] promptIds;
        int completionBudget;
        if (whole.length + wanted <= maxTokens) {
            promptIds = whole;
            completionBudget = wanted;
        } else {
            int[][] frame = framing();
            int framing = frame[0].length + frame[1].length;
            if (maxTokens < framing + 2) {
                throw new IllegalArgumentException(
                        "maxTokens " + maxTokens + " leaves no room for a prompt token and a "
                                + "completion token: the " + format + " framing alone takes " + framing + " tokens");
            }
            completionBudget = Math.min(wanted, maxTokens - framing - 1);
            promptIds = encodePrompt(prompt, maxTokens - completionBudget);
        }
        int copied = Math.min(c.length, completionBudget);
        int[] ids = Arrays.copyOf(promptIds, promptIds.length + completionBudget);
        System.arraycopy(c, 0, ids, promptIds.length, copied);
        if (copied < completionBudget) {
            ids[ids.length - 1] = eosId();
        }
        return new EncodedPair(ids, promptIds.length);
    }

    /** Text of the ids with special tokens skipped; ids past the tokenizer's own (embedding padding) are dropped. */
    @Override
    public String decode(int[] ids) {
        List<Long> kept = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < tokenizerSize) {
                kept.add((long) id);
            }
        }
        return tokenizer.decode(kept.stream().mapToLong(Long::longValue).toArray(), true);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
