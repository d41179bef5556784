package io.streamrlhf.producers.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.sft.PromptCompletionCorpus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's warm-start corpus is one the trainer's corpus reader reads back unchanged. */
class SyntheticTasksTest {

    @TempDir
    Path folder;

    @Test
    void generatedSyntheticCorpusRoundTripsAndFollowsTheDocumentedFormats() throws IOException {
        // given
        Path file = folder.resolve("synthetic.tsv");
        // when
        SyntheticTasks.writeCorpus(file, 200, 3);
        List<Sample> samples = PromptCompletionCorpus.read(file);
        // then
        assertThat(samples).hasSize(200).isEqualTo(SyntheticTasks.mixed(200, new Random(3)));
        for (Sample s : samples) {
            if (s.prompt().startsWith("What is ")) {
                String[] ab = s.prompt().substring(8, s.prompt().length() - 1).split("\\+");
                assertThat(Integer.parseInt(s.completion()))
                        .isEqualTo(Integer.parseInt(ab[0]) + Integer.parseInt(ab[1]));
            } else {
                assertThat(SyntheticTasks.CHAT_PROMPTS).contains(s.prompt());
                assertThat(SyntheticTasks.POLITE_REPLIES).contains(s.completion());
            }
        }
    }
}
