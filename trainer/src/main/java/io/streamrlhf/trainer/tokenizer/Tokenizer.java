package io.streamrlhf.trainer.tokenizer;

/**
 * Text to token ids and back, in the layout the model trains and generates with: a prompt prefix that a
 * completion is generated after, and (prompt, completion) pairs whose completion tokens are scored.
 *
 * <p>{@link ByteTokenizer} serves the tiny demo model; {@link HfTokenizer} loads a Hugging Face model directory's
 * {@code tokenizer.json} and chat template. A model's vocabulary size comes from its tokenizer, so a checkpoint
 * must be loaded with the tokenizer it was trained with.
 */
public interface Tokenizer {

    /** Number of token ids, special tokens included: the model's vocabulary size. */
    int vocabSize();

    /** The end token: an ended completion is closed with it, and is scored up to and including it. */
    int eosId();

    /**
     * Every token generation stops at, {@link #eosId()} first (chat models end a turn with one token and a
     * document with another).
     */
    default int[] eosIds() {
        return new int[] {eosId()};
    }

    /** Whether generation stops at {@code id}: one of {@link #eosIds()}. */
    default boolean isEos(int id) {
        for (int eos : eosIds()) {
            if (eos == id) {
                return true;
            }
        }
        return false;
    }

    /** The padding token, which batches and generation fill unused positions with. */
    int padId();

    /**
     * Tokens that generation must never emit (such as beginning-of-sequence, padding or the prompt separator);
     * the end token is not among them.
     */
    int[] suppressedIds();

    /**
     * The prefix a completion is generated after, in at most {@code maxTokens} ids; a prompt too long for that
     * loses its oldest tokens, since the tail of a prompt carries the question.
     */
    int[] encodePrompt(String prompt, int maxTokens);

    /**
     * A (prompt, completion) pair in at most {@code maxTokens} ids: the prompt loses its oldest tokens first, then
     * the completion is cut at the end. With {@code ended} the completion is followed by the end token (unless cut).
     */
    EncodedPair encodePair(String prompt, String completion, int maxTokens, boolean ended);

    /** Text of the given ids, special tokens skipped. */
    String decode(int[] ids);
}
