package io.streamrlhf.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptCompletionCorpusTest {

  @TempDir
  Path folder;

  @Test
  void readsTabSeparatedAndJsonLinesSkippingCommentsAndBlanks() throws IOException {
    // given
    Path file = folder.resolve("c.txt");
    Files.writeString(file, "# comment\n"
        + "What is 3+4?\t7\n"
        + "\n"
        + "{\"prompt\": \"Say \\\"hi\\\"\\n\", \"completion\": \"Hi \\u00e9!\", \"label\": true}\n"
        + "tab\\tin prompt\tline\\nbreak\n");
    // when
    List<Sample> samples = PromptCompletionCorpus.read(file);
    // then
    assertThat(samples).containsExactly(
        new Sample("What is 3+4?", "7"),
        new Sample("Say \"hi\"\n", "Hi é!"),
        new Sample("tab\tin prompt", "line\nbreak"));
  }

  @Test
  void rejectsALineWithoutATabNamingTheLine() throws IOException {
    // given
    Path file = folder.resolve("bad.txt");
    Files.writeString(file, "ok\tfine\nno separator here\n");
    // when / then
    assertThatThrownBy(() -> PromptCompletionCorpus.read(file))
        .isInstanceOf(IOException.class).hasMessageContaining("bad.txt:2");
  }

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
