package io.streamrlhf.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
