package io.streamrlhf.bench.producers;

import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.gateway.IngestionGateway;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load test of the ingestion gateway on loopback (a program, not a test): concurrent clients each record a
 * response and then a thumbs up on it, until a request count or a time limit is reached; prints requests per
 * second, latency percentiles and the status codes seen. Every 202 is a write acknowledged by the broker.
 *
 * <p>Without {@code --url} it starts an embedded KRaft broker and a gateway in this JVM (so client, gateway and
 * broker share the machine's cores); with {@code --url} it drives an existing gateway.
 *
 * <pre>
 * bench/run GatewayLoadBenchmark --requests 20000 --concurrency 32 --seconds 60
 * </pre>
 */
public final class GatewayLoadBenchmark {

    private GatewayLoadBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        int requests = Integer.parseInt(opts.getOrDefault("requests", "20000"));
        int concurrency = Integer.parseInt(opts.getOrDefault("concurrency", "32"));
        Duration limit = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("seconds", "60")));
        String key = opts.getOrDefault("api-key", "load-test-key-0001-0123456789abcdefghij");
        GatewayConfig.ResponseIdCheck check = GatewayConfig.ResponseIdCheck.valueOf(
                opts.getOrDefault("response-id-check", "topic").toUpperCase(java.util.Locale.ROOT));

        EmbeddedKafkaBroker broker = null;
        IngestionGateway gateway = null;
        URI base;
        if (opts.containsKey("url")) {
            base = URI.create(opts.get("url"));
        } else {
            broker = EmbeddedKafkaBroker.temporary().start();
            KafkaConnection connection = KafkaConnection.of(broker.bootstrapServers())
                    .withTopics(TopicNames.defaults().withPrefix("load."));
            gateway = new IngestionGateway(
                            GatewayConfig.defaults(Set.of(key), connection)
                                    .withListener("127.0.0.1", 0)
                                    .withResponseIdCheck(check)
                                    // one key drives the whole load: no per-key rate limit, and the
                                    // benchmark's responses claim no published policy version
                                    .withLimits(GatewayConfig.Limits.defaults()
                                            .withoutRateLimit()
                                            .withMaxInFlightPerKey(1024))
                                    .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF),
                            new InMemorySchemaRegistry())
                    .start();
            System.out.println("embedded broker and gateway, response id check " + check);
            base = gateway.baseUri();
        }
        try {
            run(base, key, requests, concurrency, limit);
        } finally {
            if (gateway != null) {
                gateway.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static void run(URI base, String key, int requests, int concurrency, Duration limit) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        // Warm-up: registers the schemas and opens connections, outside the measurement.
        for (int i = 0; i < 50; i++) {
            pair(http, base, key, "warm-" + i, new long[2], new ConcurrentHashMap<>());
        }
        AtomicLong issued = new AtomicLong();
        LongAdder done = new LongAdder();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        long[][] latencies = new long[concurrency][];
        long deadline = System.nanoTime() + limit.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long started = System.nanoTime();
        List<Future<long[]>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            workers.add(pool.submit(() -> {
                long[] own = new long[Math.max(16, 2 * requests / concurrency + 16)];
                int n = 0;
                long[] pairLatency = new long[2];
                while (System.nanoTime() < deadline && issued.addAndGet(2) <= requests) {
                    pair(http, base, key, "w" + worker + "-" + n, pairLatency, statuses);
                    if (n + 2 > own.length) {
                        own = Arrays.copyOf(own, own.length * 2);
                    }
                    own[n++] = pairLatency[0];
                    own[n++] = pairLatency[1];
                    done.add(2);
                }
                return Arrays.copyOf(own, n);
            }));
        }
        for (int w = 0; w < concurrency; w++) {
            latencies[w] = workers.get(w).get();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        long[] all =
                Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((s, c) -> byStatus.put(s, c.sum()));
        System.out.printf(
                "gateway load test: %d requests (%d responses + %d feedback), %d concurrent clients, " + "%.1f s%n",
                all.length, all.length / 2, all.length / 2, concurrency, seconds);
        System.out.printf("throughput: %.0f requests/s%n", all.length / seconds);
        System.out.printf(
                "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.out.println("status codes: " + byStatus);
    }

    private static void pair(
            HttpClient http, URI base, String key, String id, long[] latency, Map<Integer, LongAdder> statuses)
            throws Exception {
        String responseId = "load-" + id + "-" + System.nanoTime();
        latency[0] = post(
                http,
                base.resolve("/v1/responses"),
                key,
                "{\"responseId\":\"" + responseId
                        + "\",\"promptId\":\"p-" + id + "\",\"prompt\":\"What is 2+3?\",\"completion\":\"5\","
                        + "\"task\":\"arithmetic\"}",
                statuses);
        latency[1] = post(
                http,
                base.resolve("/v1/feedback"),
                key,
                "{\"responseId\":\"" + responseId + "\",\"userId\":\"load-user\",\"kind\":\"THUMBS_UP\"}",
                statuses);
    }

    private static long post(HttpClient http, URI uri, String key, String json, Map<Integer, LongAdder> statuses)
            throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<Void> r = http.send(
                HttpRequest.newBuilder(uri)
                        .header("X-API-Key", key)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        long elapsed = System.nanoTime() - t0;
        statuses.computeIfAbsent(r.statusCode(), s -> new LongAdder()).increment();
        return elapsed;
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: [--requests N] [--concurrency C] [--seconds S] "
                        + "[--response-id-check topic|recent|off] [--url http://host:port] [--api-key KEY]; got "
                        + String.join(" ", args));
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }
}
