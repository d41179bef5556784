package io.streamrlhf.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void encodesPromptSeparatorCompletionAndEos() {
        // when
        EncodedPair pair = tokenizer.encodePair("ab", "c", 16);
        // then
        assertThat(pair.ids()).containsExactly(ByteTokenizer.BOS, 'a', 'b', ByteTokenizer.SEP, 'c', ByteTokenizer.EOS);
        assertThat(pair.promptLength()).isEqualTo(4);
        assertThat(pair.completionLength()).isEqualTo(2);
    }

    @Test
    void aCompletionCutOffAtTheTokenLimitGetsNoEos() {
        // when
        EncodedPair cut = tokenizer.encodePair("ab", "cd", 16, false);
        // then: the model never generated the end, so training must not score one
        assertThat(cut.ids()).containsExactly(ByteTokenizer.BOS, 'a', 'b', ByteTokenizer.SEP, 'c', 'd');
        assertThat(cut.completionLength()).isEqualTo(2);
        assertThat(tokenizer.encodePair("ab", "cd", 16, true).ids()).endsWith(ByteTokenizer.EOS);
    }

    @Test
    void truncatesTheOldestPromptBytesFirstThenTheCompletionTail() {
        // when
        EncodedPair promptCut = tokenizer.encodePair("abcdef", "x", 6);
        EncodedPair completionCut = tokenizer.encodePair("p", "abcdefgh", 6);
        // then
        assertThat(promptCut.ids())
                .containsExactly(ByteTokenizer.BOS, 'e', 'f', ByteTokenizer.SEP, 'x', ByteTokenizer.EOS);
        assertThat(completionCut.ids()).containsExactly(ByteTokenizer.BOS, 'p', ByteTokenizer.SEP, 'a', 'b', 'c');
    }

    @Test
    void roundTripsUtf8AndSkipsSpecialTokens() {
        // given
        String text = "Merci, ça va? 👍";
        // when
        int[] ids = tokenizer.encodeText(text);
        int[] withSpecials = new int[ids.length + 2];
        withSpecials[0] = ByteTokenizer.BOS;
        System.arraycopy(ids, 0, withSpecials, 1, ids.length);
        withSpecials[ids.length + 1] = ByteTokenizer.EOS;
        // then
        assertThat(tokenizer.decode(withSpecials)).isEqualTo(text);
    }

    @Test
    void aPromptTooLongForItsBudgetKeepsBosAndItsNewestBytes() {
        // given a budget of 5 ids for BOS a b c d e SEP (7 ids)
        // when / then the oldest bytes go
        assertThat(tokenizer.encodePrompt("abcde", 5))
                .containsExactly(ByteTokenizer.BOS, 'c', 'd', 'e', ByteTokenizer.SEP);
        // and a prompt that fits is left alone
        assertThat(tokenizer.encodePrompt("ab", 5)).containsExactly(ByteTokenizer.BOS, 'a', 'b', ByteTokenizer.SEP);
        assertThatThrownBy(() -> tokenizer.encodePrompt("ab", 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generationNeverEmitsTheFramingTokensButMayEnd() {
        assertThat(tokenizer.suppressedIds())
                .containsExactlyInAnyOrder(ByteTokenizer.BOS, ByteTokenizer.PAD, ByteTokenizer.SEP);
        assertThat(tokenizer.eosId()).isEqualTo(257);
        assertThat(tokenizer.padId()).isEqualTo(258);
        assertThat(tokenizer.vocabSize()).isEqualTo(260);
    }
}
