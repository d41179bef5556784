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
        Files.writeString(
                file,
                "# comment\n"
                        + "What is 3+4?\t7\n"
                        + "\n"
                        + "{\"prompt\": \"Say \\\"hi\\\"\\n\", \"completion\": \"Hi \\u00e9!\", \"label\": true}\n"
                        + "tab\\tin prompt\tline\\nbreak\n");
        // when
        List<Sample> samples = PromptCompletionCorpus.read(file);
        // then
        assertThat(samples)
                .containsExactly(
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
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bad.txt:2");
    }

    @Test
    void rejectsAMalformedJsonLineNamingItsLineAndColumn() throws IOException {
        // given a JSON line whose completion has no value, on line 3
        Path file = folder.resolve("bad.jsonl");
        Files.writeString(
                file,
                "{\"prompt\": \"a\", \"completion\": \"b\"}\n"
                        + "# fine so far\n"
                        + "{\"prompt\": \"What is 3+4?\", \"completion\": }\n");
        // when / then
        assertThatThrownBy(() -> PromptCompletionCorpus.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bad.jsonl:3: malformed JSON at column 42");
    }

    @Test
    void rejectsTrailingContentAfterTheObject() throws IOException {
        Path file = folder.resolve("trailing.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"completion\": \"b\"} {}\n");
        assertThatThrownBy(() -> PromptCompletionCorpus.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("trailing.jsonl:1: malformed JSON");
    }

    @Test
    void rejectsAJsonLineWithoutAStringCompletionNamingTheFieldAndLine() throws IOException {
        // given a completion that is a number, then one that is missing
        Path number = folder.resolve("number.jsonl");
        Files.writeString(number, "{\"prompt\": \"What is 3+4?\", \"completion\": 7}\n");
        Path missing = folder.resolve("missing.jsonl");
        Files.writeString(missing, "\n{\"prompt\": \"What is 3+4?\"}\n");
        // when / then
        assertThatThrownBy(() -> PromptCompletionCorpus.read(number))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("number.jsonl:1: JSON line needs a string \"completion\", found number");
        assertThatThrownBy(() -> PromptCompletionCorpus.read(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing.jsonl:2: JSON line needs a string \"completion\", found none");
    }
}
