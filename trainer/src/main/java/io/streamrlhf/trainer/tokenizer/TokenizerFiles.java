package io.streamrlhf.trainer.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Hugging Face model directory a tokenizer needs, read without the 150k-entry vocabulary in memory:
 * {@code tokenizer.json}'s added tokens and vocabulary size, {@code tokenizer_config.json}, and, when present,
 * {@code generation_config.json}, {@code config.json} and {@code chat_template.jinja}.
 */
final class TokenizerFiles {

    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean special) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path tokenizerJson;
    final List<AddedToken> addedTokens;
    /** Largest id in the model's vocabulary or the added tokens, plus one. */
    final int tokenizerSize;

    final JsonNode tokenizerConfig;
    final JsonNode generationConfig;
    final JsonNode modelConfig;
    final String chatTemplateFile;

    private TokenizerFiles(Path dir) throws IOException {
        tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("no tokenizer.json in " + dir + ": a Hugging Face model directory needs one");
        }
        addedTokens = new ArrayList<>();
        tokenizerSize = scan(tokenizerJson, addedTokens);
        tokenizerConfig = readOptional(dir.resolve("tokenizer_config.json"));
        generationConfig = readOptional(dir.resolve("generation_config.json"));
        modelConfig = readOptional(dir.resolve("config.json"));
        Path jinja = dir.resolve("chat_template.jinja");
        chatTemplateFile = Files.isRegularFile(jinja) ? Files.readString(jinja) : null;
    }

    static TokenizerFiles read(Path dir) throws IOException {
        return new TokenizerFiles(dir);
    }

    private static JsonNode readOptional(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.createObjectNode();
    }

    /** Added tokens by content, in file order. */
    Map<String, AddedToken> addedByContent() {
        Map<String, AddedToken> out = new LinkedHashMap<>();
        for (AddedToken t : addedTokens) {
            out.put(t.content(), t);
        }
        return out;
    }

    /** Streams through {@code tokenizer.json}: collects the added tokens, returns the number of ids. */
    private static int scan(Path file, List<AddedToken> added) throws IOException {
        int maxId = -1;
        try (InputStream in = Files.newInputStream(file);
                JsonParser p = new JsonFactory().createParser(in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, file);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode t = JSON.readTree(p);
                        AddedToken token = new AddedToken(
                                t.path("id").asInt(-1),
                                t.path("content").asText(),
                                t.path("special").asBoolean(false));
                        if (token.id() < 0) {
                            throw new IOException(file + ": added token without an id: " + t);
                        }
                        added.add(token);
                        maxId = Math.max(maxId, token.id());
                    }
                } else if ("model".equals(field) && value == JsonToken.START_OBJECT) {
                    maxId = Math.max(maxId, scanModel(p));
                } else {
                    p.skipChildren();
                }
            }
        }
        if (maxId < 0) {
            throw new IOException(file + " has no vocabulary");
        }
        return maxId + 1;
    }

    /** The largest id of {@code model.vocab}: an object of token to id (BPE, WordPiece) or a list (Unigram). */
    private static int scanModel(JsonParser p) throws IOException {
        int maxId = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("vocab".equals(field) && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    p.nextToken();
                    maxId = Math.max(maxId, p.getIntValue());
                }
            } else if ("vocab".equals(field) && value == JsonToken.START_ARRAY) {
                int n = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                    n++;
                }
                maxId = Math.max(maxId, n - 1);
            } else {
                p.skipChildren();
            }
        }
        return maxId;
    }

    private static void expect(JsonToken actual, JsonToken expected, Path file) throws IOException {
        if (actual != expected) {
            throw new IOException(file + ": expected " + expected + ", found " + actual);
        }
    }

    /** A special token's text in {@code tokenizer_config.json}: a string, an {@code AddedToken} object, or absent. */
    String specialToken(String name) {
        JsonNode n = tokenizerConfig.path(name);
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.path("content").asText();
        }
        return null;
    }

    /** The chat template: {@code chat_template.jinja}, else {@code tokenizer_config.json}'s (the default one of a list). */
    String chatTemplate() {
        if (chatTemplateFile != null) {
            return chatTemplateFile;
        }
        JsonNode t = tokenizerConfig.path("chat_template");
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
        }
        return null;
    }

    /** Ids under {@code field} of a config: one integer, a list of them, or none. */
    static List<Integer> ids(JsonNode config, String field) {
        List<Integer> out = new ArrayList<>();
        JsonNode n = config.path(field);
        if (n.isIntegralNumber()) {
            out.add(n.asInt());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (e.isIntegralNumber()) {
                    out.add(e.asInt());
                }
            }
        }
        return out;
    }
}
