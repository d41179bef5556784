package io.streamrlhf.trainer.canary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a held-out prompt file: one prompt per line, or JSON lines with {@code prompt} and optionally {@code task}
 * and {@code referenceAnswer}. Blank lines are skipped.
 */
public final class GatePrompts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GatePrompts() {}

    /** The prompts of {@code file}, in order; fails naming the file and line of a bad JSON line. */
    public static List<GatePrompt> read(Path file) throws IOException {
        List<GatePrompt> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("{")) {
                out.add(new GatePrompt(line, null, null));
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(file + ":" + (i + 1) + ": malformed JSON: " + e.getOriginalMessage(), e);
            }
            if (!node.path("prompt").isTextual()) {
                throw new IOException(file + ":" + (i + 1) + ": a JSON line needs a \"prompt\" string");
            }
            out.add(new GatePrompt(
                    node.get("prompt").asText(),
                    node.path("task").isTextual() ? node.get("task").asText() : null,
                    node.path("referenceAnswer").isTextual()
                            ? node.get("referenceAnswer").asText()
                            : null));
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no prompt");
        }
        return List.copyOf(out);
    }
}
