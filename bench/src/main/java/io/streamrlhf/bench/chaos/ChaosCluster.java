package io.streamrlhf.bench.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The processes of one chaos run: the broker and the registry ({@link ChaosInfra}), and the components as
 * {@code streamrlhf run ...} JVMs against them, each on fixed ports so that a restarted one comes back where the
 * others expect it.
 */
final class ChaosCluster implements AutoCloseable {

    /** A process the chaos program can kill. */
    enum Target {
        BROKER,
        REGISTRY,
        STREAMS("streams"),
        TRAINER("trainer"),
        /** The sampler with the prompt source and the simulated users that rate its rollouts. */
        SAMPLER("sampler", "prompts", "users"),
        GATEWAY("gateway");

        private final List<String> components;

        Target(String... components) {
            this.components = List.of(components);
        }

        boolean isComponent() {
            return !components.isEmpty();
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final String API_KEY = "chaos-program-api-key-0123456789abcdef";
    /** The gateway's tenant for the driver's key: the gateway writes user ids as {@code chaos:<userId>}. */
    static final String TENANT = "chaos";

    static final String MAIN_CLASS = "io.streamrlhf.app.StreamRlhf";

    private final ChaosSettings settings;
    private final Map<Target, ChildJvm> processes = new EnumMap<>(Target.class);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Admin admin;

    ChaosCluster(ChaosSettings settings) {
        this.settings = settings;
        Path logs = settings.dataDir().resolve("logs");
        List<String> infraJvm = List.of("-Xmx512m", "-XX:+UseSerialGC");
        processes.put(
                Target.BROKER,
                new ChildJvm(
                        "broker",
                        infraJvm,
                        ChaosInfra.class.getName(),
                        List.of(
                                "broker",
                                settings.dataDir().resolve("kafka").toString(),
                                String.valueOf(settings.basePort())),
                        logs.resolve("broker.log")));
        processes.put(
                Target.REGISTRY,
                new ChildJvm(
                        "registry",
                        infraJvm,
                        ChaosInfra.class.getName(),
                        List.of("registry", bootstrapServers(), String.valueOf(settings.registryPort())),
                        logs.resolve("registry.log")));
        for (Target t : Target.values()) {
            if (t.isComponent()) {
                List<String> args = new ArrayList<>();
                args.add("run");
                args.addAll(t.components);
                componentSettings(t).forEach((k, v) -> {
                    args.add("--set");
                    args.add(k + "=" + v);
                });
                List<String> jvm = List.of(
                        t == Target.TRAINER ? "-Xmx1g" : "-Xmx512m", "-XX:+UseSerialGC", "-Dai.djl.offline=true");
                processes.put(t, new ChildJvm(t.label(), jvm, MAIN_CLASS, args, logs.resolve(t.label() + ".log")));
            }
        }
        admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
    }

    /**
     * The settings of one component process. Where they differ from the defaults, it is for the run to finish
     * in minutes on a loaded machine (a small model and short generations, versions every few seconds, votes emitted
     * at once), or for what an orchestrated deployment would set anyway (static membership for every consumer group,
     * so that a killed member's replacement takes its partitions back without waiting out its session).
     */
    private Map<String, String> componentSettings(Target t) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap.servers", bootstrapServers());
        s.put("schema.registry.url", registryUrl());
        s.put("data.dir", settings.dataDir().resolve("app").toString());
        s.put("ops.port", String.valueOf(opsPort(t)));
        s.put("torch.threads", "1");
        switch (t) {
            case STREAMS -> {
                s.put("monitor.http.port", "0");
                s.put("streams.instance.id", "chaos-streams");
                s.put("streams.state.store", "IN_MEMORY");
                s.put("kto.settle.delay", "0s");
            }
            case TRAINER -> {
                s.put("trainer.model.layers", "1");
                s.put("trainer.model.width", "32");
                s.put("trainer.model.heads", "2");
                s.put("trainer.model.context", "64");
                s.put("trainer.publish.every", "5s");
            }
            case SAMPLER -> {
                s.put("trainer.model.layers", "1");
                s.put("trainer.model.width", "32");
                s.put("trainer.model.heads", "2");
                s.put("trainer.model.context", "64");
                s.put("sampler.max.tokens", "12");
                s.put("prompts.rate.per.second", "1");
                s.put("sampler.kafka.group.instance.id", "chaos-sampler");
                s.put("users.kafka.group.instance.id", "chaos-users");
            }
            case GATEWAY -> {
                s.put("gateway.port", String.valueOf(settings.gatewayPort()));
                s.put("gateway.bind.address", "127.0.0.1");
                s.put("gateway.api.keys", API_KEY);
                s.put("gateway.default.tenant", TENANT);
                // The driver's responses claim version 0, which the trainer may not have published yet when the
                // driver starts; the published-version check has its own tests.
                s.put("gateway.policy.version.check", "off");
            }
            default -> throw new IllegalArgumentException(t + " is not a component");
        }
        s.putAll(settings.componentSettings());
        return s;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + settings.basePort();
    }

    String registryUrl() {
        return "http://127.0.0.1:" + settings.registryPort();
    }

    URI gatewayUri() {
        return URI.create("http://127.0.0.1:" + settings.gatewayPort());
    }

    int opsPort(Target t) {
        return settings.basePort() + 10 + t.ordinal();
    }

    ChildJvm process(Target t) {
        return processes.get(t);
    }

    List<Target> components() {
        return List.of(Target.STREAMS, Target.TRAINER, Target.SAMPLER, Target.GATEWAY);
    }

    /** Whether {@code t} answers: the broker its cluster id, the registry its subjects, a component 200 on ready. */
    boolean ready(Target t) {
        try {
            return switch (t) {
                case BROKER -> admin.describeCluster().clusterId().get(3, TimeUnit.SECONDS) != null;
                case REGISTRY -> get(URI.create(registryUrl() + "/subjects")).statusCode() == 200;
                default ->
                    get(URI.create("http://127.0.0.1:" + opsPort(t) + "/health/ready"))
                                    .statusCode()
                            == 200;
            };
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    boolean allReady() {
        for (Target t : Target.values()) {
            if (!ready(t)) {
                return false;
            }
        }
        return true;
    }

    /** The value of a metric without labels on a component's {@code /metrics}, if it serves it. */
    Optional<Double> metric(Target t, String name) {
        try {
            HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + opsPort(t) + "/metrics"));
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ")) {
                    return Optional.of(
                            Double.parseDouble(line.substring(name.length() + 1).trim()));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes; true when it held. */
    static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** Starts the broker, then the registry, then every component; waits until each is ready. */
    void startAll(Duration timeout) throws InterruptedException {
        process(Target.BROKER).start();
        require(Target.BROKER, timeout);
        process(Target.REGISTRY).start();
        require(Target.REGISTRY, timeout);
        for (Target t : components()) {
            process(t).start();
        }
        for (Target t : components()) {
            require(t, timeout);
        }
    }

    private void require(Target t, Duration timeout) throws InterruptedException {
        if (!await(() -> ready(t), timeout)) {
            throw new IllegalStateException(t.label() + " not ready within " + timeout + "; see "
                    + process(t).log());
        }
    }

    /** Stops the components (SIGTERM), then the registry and the broker. */
    @Override
    public void close() throws InterruptedException {
        admin.close(Duration.ofSeconds(2));
        for (Target t : components()) {
            process(t).stop(20);
        }
        process(Target.REGISTRY).stop(20);
        process(Target.BROKER).stop(30);
    }
}
