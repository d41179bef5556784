package io.streamrlhf.trainer.sft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A supervised corpus: one (prompt, completion) per line, either tab-separated
 * ({@code prompt<TAB>completion}, with {@code \t}, {@code \n} and {@code \\} escaped) or JSON lines
 * ({@code {"prompt": ..., "completion": ...}}, TRL's prompt-completion format; other fields are ignored). Blank
 * lines and lines starting with {@code #} are skipped. A line that is neither fails the read with its file and
 * line number.
 */
public final class PromptCompletionCorpus {

    // One object per line: trailing content and repeated keys are errors, not silently dropped or overwritten.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

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
            return parseJson(line, where);
        }
        int tab = line.indexOf('\t');
        if (tab < 0) {
            throw new IOException(where + ": expected prompt<TAB>completion or a JSON object");
        }
        return new Sample(unescape(line.substring(0, tab)), unescape(line.substring(tab + 1)));
    }

    private static Sample parseJson(String line, String where) throws IOException {
        JsonNode object;
        try {
            object = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException(
                    where + ": malformed JSON at column " + e.getLocation().getColumnNr() + ": "
                            + e.getOriginalMessage(),
                    e);
        }
        return new Sample(text(object, "prompt", where), text(object, "completion", where));
    }

    private static String text(JsonNode object, String field, String where) throws IOException {
        JsonNode value = object.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException(where + ": JSON line needs a string \"" + field + "\", found "
                    + (value == null ? "none" : value.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return value.textValue();
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
