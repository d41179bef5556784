package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * Debian's headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, with the JDK's own client):
 * one page that stays open, so the test sees what Server-Sent Events do to it, not a fresh load each time.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Path profile;
    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> pageErrors = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Path profile, Process process, WebSocket socket) {
        this.profile = profile;
        this.process = process;
        this.socket = socket;
    }

    /** Whether the browser the test needs is installed. */
    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts a browser on a fresh profile and attaches to its first page. */
    static HeadlessChromium start() throws IOException {
        Path profile = Files.createTempDirectory("streamrlhf-chromium-");
        Process process = new ProcessBuilder(List.of(
                        BINARY.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-extensions",
                        "--hide-scrollbars",
                        "--mute-audio",
                        "--user-data-dir=" + profile,
                        "--remote-debugging-address=127.0.0.1",
                        "--remote-debugging-port=0",
                        "--window-size=1440,1000",
                        "about:blank"))
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            Awaitility.await("Chromium's DevTools port")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !process.isAlive() || Files.exists(portFile) && Files.size(portFile) > 0);
            if (!process.isAlive()) {
                throw new IllegalStateException("Chromium exited with " + process.exitValue() + ": "
                        + Files.readString(profile.resolve("chromium.log")));
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = Awaitility.await("a Chromium page target")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> pageSocket(http, port), url -> url != null);
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                self[0].onMessage(text.toString());
                                text.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }
                    })
                    .get(30, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(profile, process, socket);
            return self[0];
        } catch (RuntimeException | ExecutionException | TimeoutException | InterruptedException e) {
            process.destroyForcibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not drive Chromium over DevTools", e);
        }
    }

    private static String pageSocket(HttpClient http, int port) throws IOException, InterruptedException {
        HttpResponse<String> list = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : new ObjectMapper().readTree(list.body())) {
            if ("page".equals(target.path("type").asText())) {
                return target.path("webSocketDebuggerUrl").asText();
            }
        }
        return null;
    }

    private void onMessage(String message) {
        try {
            JsonNode node = json.readTree(message);
            String event = node.path("method").asText();
            if (event.equals("Runtime.exceptionThrown")) {
                pageErrors.add(node.path("params").path("exceptionDetails").toString());
            } else if (event.equals("Runtime.consoleAPICalled")
                    && node.path("params").path("type").asText().equals("error")) {
                pageErrors.add(node.path("params").path("args").toString());
            }
            if (node.has("id")) {
                CompletableFuture<JsonNode> future =
                        pending.remove(node.get("id").asInt());
                if (future != null) {
                    if (node.has("error")) {
                        future.completeExceptionally(new IllegalStateException("DevTools error: " + node.get("error")));
                    } else {
                        future.complete(node.get("result"));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one DevTools command and waits for its result. */
    JsonNode send(String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode command = json.createObjectNode().put("id", id).put("method", method);
        command.set("params", json.valueToTree(params));
        try {
            socket.sendText(json.writeValueAsString(command), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return result.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during " + method, e);
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("DevTools " + method + " failed", e);
        } finally {
            pending.remove(id);
        }
    }

    /** Sets the page's viewport. */
    void viewport(int width, int height) {
        send(
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    void navigate(URI url) {
        send("Page.enable", Map.of());
        send("Runtime.enable", Map.of());
        send("Page.navigate", Map.of("url", url.toString()));
    }

    /** Uncaught exceptions and {@code console.error} calls of the page since {@link #navigate}. */
    List<String> pageErrors() {
        return List.copyOf(pageErrors);
    }

    /** Evaluates {@code expression} in the page and returns its value as JSON. */
    JsonNode evaluate(String expression) {
        JsonNode result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("Page threw: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** A PNG of the whole page (not only the viewport) written to {@code file}. */
    void screenshot(Path file) throws IOException {
        JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    /** A PNG of one element of the page (by id, with a margin of 8 px) written to {@code file}. */
    void screenshot(Path file, String elementId) throws IOException {
        JsonNode box = evaluate("(() => { const r = document.getElementById('" + elementId
                + "').getBoundingClientRect(); return {x: r.left + window.scrollX, y: r.top + window.scrollY,"
                + " w: r.width, h: r.height}; })()");
        Map<String, Object> clip = Map.of(
                "x",
                Math.max(0, box.get("x").asDouble() - 8),
                "y",
                Math.max(0, box.get("y").asDouble() - 8),
                "width",
                box.get("w").asDouble() + 16,
                "height",
                box.get("h").asDouble() + 16,
                "scale",
                1);
        JsonNode shot =
                send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    @Override
    public void close() {
        socket.abort();
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless.
        }
    }
}
