package io.streamrlhf.trainer.sft;

import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A supervised corpus: one (prompt, completion) per line, either tab-separated
 * ({@code prompt<TAB>completion}, with {@code \t}, {@code \n} and {@code \\} escaped) or JSON lines
 * ({@code {"prompt": ..., "completion": ...}}). Blank lines and lines starting with {@code #} are
 * skipped.
 */
public final class PromptCompletionCorpus {

  private PromptCompletionCorpus() {}

  /** Reads a corpus file. */
  public static List<Sample> read(Path file) throws IOException {
    List<Sample> samples = new ArrayList<>();
    int lineNumber = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNumber++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      samples.add(parse(line, file + ":" + lineNumber));
    }
    if (samples.isEmpty()) {
      throw new IOException("corpus " + file + " has no prompt/completion lines");
    }
    return samples;
  }

  /** Parses one line. */
  static Sample parse(String line, String where) throws IOException {
    if (line.stripLeading().startsWith("{")) {
      java.util.Map<String, String> fields = FlatJson.parse(line, where);
      if (fields.get("prompt") == null || fields.get("completion") == null) {
        throw new IOException(where + ": JSON line needs \"prompt\" and \"completion\"");
      }
      return new Sample(fields.get("prompt"), fields.get("completion"));
    }
    int tab = line.indexOf('\t');
    if (tab < 0) {
      throw new IOException(where + ": expected prompt<TAB>completion or a JSON object");
    }
    return new Sample(unescape(line.substring(0, tab)), unescape(line.substring(tab + 1)));
  }

  /** Formats a sample as a tab-separated line. */
  public static String toTsv(Sample sample) {
    return escape(sample.prompt()) + "\t" + escape(sample.completion());
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
