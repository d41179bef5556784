package io.streamrlhf.producers.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.Route;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * {@code GET /v1/policy?userId=...}: the policy version the user should see, sticky per user while a canary runs
 * ({@link PolicyRouter}). Answers {@code {"modelId", "userId", "version", "canary", "promoted", "canaryVersion"}};
 * 401 without an accepted key, 400 without a user id, 405 for another method, 503 while the routes are still being
 * rebuilt from the decisions topic or before the model's first decision. Kept apart from the ingestion endpoints:
 * it reads, never writes.
 */
public final class PolicyRouteHandler implements HttpHandler {

    /** The endpoint's path. */
    public static final String PATH = "/v1/policy";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PolicyRouter router;
    private final String modelId;
    private final Predicate<HttpExchange> authorized;
    private final BooleanSupplier ready;

    /**
     * @param router the routes
     * @param modelId the model whose versions are routed
     * @param authorized whether a request's key may read routes (the {@code policy} scope); when it may not, the
     *     predicate has already answered the refusal (401, 403 or 429)
     * @param ready whether the routes are rebuilt
     */
    public PolicyRouteHandler(
            PolicyRouter router, String modelId, Predicate<HttpExchange> authorized, BooleanSupplier ready) {
        this.router = router;
        this.modelId = modelId;
        this.authorized = authorized;
        this.ready = ready;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!authorized.test(ex)) {
                return;
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "GET");
                respond(ex, 405, Map.of("error", "method_not_allowed", "reason", "use GET"));
                return;
            }
            Optional<String> userId;
            try {
                userId = query(ex.getRequestURI().getRawQuery(), "userId");
            } catch (IllegalArgumentException e) {
                respond(
                        ex,
                        400,
                        Map.of(
                                "error",
                                "bad_request",
                                "reason",
                                "the query is not valid percent-encoding: " + e.getMessage()));
                return;
            }
            if (userId.isEmpty() || userId.get().isBlank()) {
                respond(ex, 400, Map.of("error", "bad_request", "reason", "userId is required"));
                return;
            }
            Optional<Route> route = router.route(modelId);
            if (!ready.getAsBoolean() || route.isEmpty() || route.get().promoted() < 0) {
                ex.getResponseHeaders().add("Retry-After", "1");
                respond(
                        ex,
                        503,
                        Map.of("error", "unavailable", "reason", "no policy decision for " + modelId + " yet"));
                return;
            }
            long version = router.versionFor(modelId, userId.get()).orElseThrow();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("modelId", modelId);
            body.put("userId", userId.get());
            body.put("version", version);
            body.put("canary", route.get().hasCanary() && version == route.get().canary());
            body.put("promoted", route.get().promoted());
            body.put("canaryVersion", route.get().hasCanary() ? route.get().canary() : null);
            respond(ex, 200, body);
        }
    }

    private static Optional<String> query(String rawQuery, String name) {
        if (rawQuery == null) {
            return Optional.empty();
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = PercentDecoding.decode(eq < 0 ? pair : pair.substring(0, eq), true);
            if (key.equals(name)) {
                return Optional.of(eq < 0 ? "" : PercentDecoding.decode(pair.substring(eq + 1), true));
            }
        }
        return Optional.empty();
    }

    private static void respond(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
