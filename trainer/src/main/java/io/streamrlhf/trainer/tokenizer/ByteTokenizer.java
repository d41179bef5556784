package io.streamrlhf.trainer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte-level tokenizer: ids 0-255 are the UTF-8 bytes, followed by four special tokens.
 *
 * <p>A (prompt, completion) pair is laid out as {@code BOS prompt SEP completion EOS}; only the
 * completion bytes and the closing EOS are scored.
 */
public final class ByteTokenizer {

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
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
    for (int id : ids) {
      if (id >= 0 && id < 256) {
        out.write(id);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Token ids of one (prompt, completion) pair.
   *
   * @param ids all token ids
   * @param promptLength number of leading ids (BOS, prompt, SEP) that are context, not scored
   */
  public record EncodedPair(int[] ids, int promptLength) {
    /** Validates the layout. */
    public EncodedPair {
      if (promptLength < 1 || promptLength > ids.length) {
        throw new IllegalArgumentException(
            "promptLength " + promptLength + " outside [1, " + ids.length + "]");
      }
    }

    /** Number of scored completion tokens. */
    public int completionLength() {
      return ids.length - promptLength;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EncodedPair e && e.promptLength == promptLength && Arrays.equals(e.ids, ids);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(ids) + promptLength;
    }

    @Override
    public String toString() {
      return "EncodedPair[ids=" + Arrays.toString(ids) + ", promptLength=" + promptLength + "]";
    }
  }
}
