package io.streamrlhf.trainer.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Python's Jinja2 (Debian's {@code python3-jinja2}) rendering templates as transformers does, through
 * {@code src/test/python/render_chat_template.py}: the reference {@link ChatTemplate} must match byte for byte.
 * Tests that need it are skipped, saying why, where {@code /usr/bin/python3} or its {@code jinja2} is missing.
 */
final class PythonJinja {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/python/render_chat_template.py");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Boolean available;

    private PythonJinja() {}

    /** A rendered text, or the error Jinja2 raised. */
    record Rendered(String text, String error) {}

    /** Skips the calling test unless python3 with jinja2 is installed. */
    static synchronized void assumeAvailable() {
        if (available == null) {
            available = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import jinja2"), "") == 0;
        }
        assumeTrue(
                available,
                "Skipped: /usr/bin/python3 with jinja2 is needed as the reference renderer (apt-get install python3-jinja2)");
    }

    /** Renders {@code template} once per variable set. */
    static List<Rendered> render(String template, List<Map<String, ?>> cases) {
        assumeAvailable();
        ObjectNode request = JSON.createObjectNode();
        request.put("template", template);
        ArrayNode list = request.putArray("cases");
        for (Map<String, ?> c : cases) {
            list.addObject().set("variables", JSON.valueToTree(c));
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(JSON.writeValueAsBytes(request));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(
                        "reference renderer failed: " + new String(out, StandardCharsets.UTF_8));
            }
            JsonNode response = JSON.readTree(out);
            List<Rendered> results = new ArrayList<>();
            for (JsonNode r : response.path("results")) {
                results.add(new Rendered(
                        r.has("text") ? r.get("text").asText() : null,
                        r.has("error") ? r.get("error").asText() : null));
            }
            return results;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Jinja2's rendering of one variable set; fails the test if Jinja2 raised. */
    static String renderOne(String template, Map<String, ?> variables) {
        Rendered r = render(template, List.of(variables)).get(0);
        if (r.error() != null) {
            throw new AssertionError("Jinja2 raised: " + r.error());
        }
        return r.text();
    }

    private static int run(List<String> command, String input) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
