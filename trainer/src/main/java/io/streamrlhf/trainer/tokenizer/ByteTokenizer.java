package io.streamrlhf.trainer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level tokenizer: ids 0-255 are the UTF-8 bytes, followed by four special tokens.
 *
 * <p>A (prompt, completion) pair is laid out as {@code BOS prompt SEP completion EOS}; only the
 * completion bytes and the closing EOS are scored.
 */
public final class ByteTokenizer implements Tokenizer {

    /** Beginning of sequence. */
    public static final int BOS = 256;
    /** End of sequence: generation stops here, and a completion is scored up to and including it. */
    public static final int EOS = 257;
    /** Padding, never attended to by a real token (sequences are right-padded under a causal mask). */
    public static final int PAD = 258;
    /** Separates the prompt from the completion. */
    public static final int SEP = 259;
    /** Number of token ids. */
    public static final int VOCAB_SIZE = 260;

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int padId() {
        return PAD;
    }

    /** BOS, PAD and SEP: they only frame prompts and batches. */
    @Override
    public int[] suppressedIds() {
        return new int[] {BOS, PAD, SEP};
    }

    /** UTF-8 bytes of {@code text} as token ids. */
    public int[] encodeText(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    /** {@code BOS prompt SEP}: the prefix a completion is generated after. */
    public int[] encodePrompt(String prompt) {
        int[] text = encodeText(prompt);
        int[] ids = new int[text.length + 2];
        ids[0] = BOS;
        System.arraycopy(text, 0, ids, 1, text.length);
        ids[ids.length - 1] = SEP;
        return ids;
    }

    /** {@code BOS prompt SEP} in at most {@code maxTokens} ids, keeping BOS and the prompt's newest bytes. */
    @Override
    public int[] encodePrompt(String prompt, int maxTokens) {
        if (maxTokens < 3) {
            throw new IllegalArgumentException("maxTokens must be at least 3, was " + maxTokens);
        }
        int[] ids = encodePrompt(prompt);
        if (ids.length <= maxTokens) {
            return ids;
        }
        int[] kept = new int[maxTokens];
        kept[0] = BOS;
        System.arraycopy(ids, ids.length - (maxTokens - 1), kept, 1, maxTokens - 1);
        return kept;
    }

    /**
     * Encodes a (prompt, completion) pair into at most {@code maxTokens} ids.
     *
     * <p>When too long, the prompt loses its oldest bytes first (the tail of a prompt carries the
     * question), then the completion is cut at the end (losing its EOS).
     */
    public EncodedPair encodePair(String prompt, String completion, int maxTokens) {
        return encodePair(prompt, completion, maxTokens, true);
    }

    /**
     * As {@link #encodePair(String, String, int)}; with {@code ended} false the completion gets no
     * EOS (it was cut off at a token limit, so the end was never generated).
     */
    @Override
    public EncodedPair encodePair(String prompt, String completion, int maxTokens, boolean ended) {
        if (maxTokens < 4) {
            throw new IllegalArgumentException("maxTokens must be at least 4, was " + maxTokens);
        }
        int[] p = encodeText(prompt);
        int[] c = encodeText(completion);
        int completionBudget = Math.min(c.length + (ended ? 1 : 0), maxTokens - 3);
        int promptBudget = Math.min(p.length, maxTokens - 2 - completionBudget);
        int[] ids = new int[2 + promptBudget + completionBudget];
        int at = 0;
        ids[at++] = BOS;
        System.arraycopy(p, p.length - promptBudget, ids, at, promptBudget);
        at += promptBudget;
        ids[at++] = SEP;
        int promptLength = at;
        int copied = Math.min(c.length, completionBudget);
        System.arraycopy(c, 0, ids, at, copied);
        at += copied;
        if (at < ids.length) {
            ids[at] = EOS;
        }
        return new EncodedPair(ids, promptLength);
    }

    /** Decodes byte ids to text, skipping special tokens; invalid UTF-8 becomes U+FFFD. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < 256) {
                out.write(id);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
