package io.streamrlhf.bench.chaos;

import io.streamrlhf.config.Parsers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one chaos run does.
 *
 * @param dataDir where the broker's log, the components' state and checkpoints and every process's log go (emptied
 *     first)
 * @param basePort the broker listens on it, the registry on +1, the gateway on +2, the components' health servers on
 *     +12 to +15 (fixed, so a restarted process comes back on the same address)
 * @param responses the most responses the driver posts (each with a fixed id, followed by its votes); it stops
 *     earlier, one {@code killInterval} after the last disruption
 * @param votesPerResponse thumbs from distinct users on each response; every vote is one expected KTO example
 * @param eventsPerSecond the driver's offered rate (responses and feedback together)
 * @param killInterval the time between two disruptions (a SIGKILL or an infrastructure restart)
 * @param killsPerComponent SIGKILLs of each component process (streams, trainer, sampler, gateway)
 * @param restartBroker whether the broker is killed and restarted once
 * @param restartRegistry whether the registry is killed and restarted once
 * @param seed the order of the disruptions
 * @param drainTimeout how long the check waits for every expected example and its absorption into a version
 * @param componentSettings extra {@code --set} values for every component process
 */
public record ChaosSettings(
        Path dataDir,
        int basePort,
        int responses,
        int votesPerResponse,
        double eventsPerSecond,
        Duration killInterval,
        int killsPerComponent,
        boolean restartBroker,
        boolean restartRegistry,
        long seed,
        Duration drainTimeout,
        Map<String, String> componentSettings) {

    private static final Set<String> KEYS = Set.of(
            "dataDir",
            "basePort",
            "responses",
            "votes",
            "rate",
            "killInterval",
            "killsPerComponent",
            "restartBroker",
            "restartRegistry",
            "seed",
            "drain");

    public ChaosSettings {
        if (basePort < 1024 || basePort > 65_500) {
            throw new IllegalArgumentException("basePort must be 1024-65500, got " + basePort);
        }
        if (responses < 1 || votesPerResponse < 1 || eventsPerSecond <= 0 || killsPerComponent < 0) {
            throw new IllegalArgumentException("responses, votes and rate must be positive, killsPerComponent >= 0");
        }
        componentSettings = Map.copyOf(componentSettings);
    }

    /** The full schedule: every component killed twice, the broker and the registry restarted once, 20 s apart. */
    public static ChaosSettings full(Path dataDir, int basePort) {
        return new ChaosSettings(
                dataDir,
                basePort,
                10_000,
                3,
                6,
                Duration.ofSeconds(20),
                2,
                true,
                true,
                1L,
                Duration.ofMinutes(4),
                Map.of());
    }

    /**
     * Reads {@code key=value} arguments over {@link #full}: {@code dataDir}, {@code basePort} (default: a random
     * free range), {@code responses}, {@code votes}, {@code rate}, {@code killInterval} ({@code 20s}),
     * {@code killsPerComponent}, {@code restartBroker}, {@code restartRegistry}, {@code seed}, {@code drain}; any
     * other {@code key=value} with a dot in the key is passed to every component as {@code --set key=value}.
     */
    public static ChaosSettings fromArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        Map<String, String> component = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are key=value, got '" + arg + "'");
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            if (key.contains(".")) {
                component.put(key, value);
            } else if (KEYS.contains(key)) {
                opts.put(key, value);
            } else {
                throw new IllegalArgumentException(
                        "unknown argument " + key + "; known: " + KEYS + " and component settings (keys with a dot)");
            }
        }
        Path dataDir;
        try {
            dataDir = opts.containsKey("dataDir")
                    ? Path.of(opts.get("dataDir"))
                    : Files.createTempDirectory("streamrlhf-chaos-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int basePort =
                opts.containsKey("basePort") ? Parsers.integer("basePort", opts.get("basePort")) : freeBasePort();
        ChaosSettings d = full(dataDir, basePort);
        return new ChaosSettings(
                dataDir,
                basePort,
                opts.containsKey("responses") ? Parsers.integer("responses", opts.get("responses")) : d.responses(),
                opts.containsKey("votes") ? Parsers.integer("votes", opts.get("votes")) : d.votesPerResponse(),
                opts.containsKey("rate") ? Parsers.decimal("rate", opts.get("rate")) : d.eventsPerSecond(),
                opts.containsKey("killInterval")
                        ? Parsers.duration("killInterval", opts.get("killInterval"))
                        : d.killInterval(),
                opts.containsKey("killsPerComponent")
                        ? Parsers.integer("killsPerComponent", opts.get("killsPerComponent"))
                        : d.killsPerComponent(),
                opts.containsKey("restartBroker")
                        ? Parsers.bool("restartBroker", opts.get("restartBroker"))
                        : d.restartBroker(),
                opts.containsKey("restartRegistry")
                        ? Parsers.bool("restartRegistry", opts.get("restartRegistry"))
                        : d.restartRegistry(),
                opts.containsKey("seed") ? Parsers.longValue("seed", opts.get("seed")) : d.seed(),
                opts.containsKey("drain") ? Parsers.duration("drain", opts.get("drain")) : d.drainTimeout(),
                component);
    }

    /**
     * The first of 20 consecutive ports, all free now, picked at random below the kernel's ephemeral range: a port
     * in that range can be taken by any outgoing connection (the components' own, to the broker) between this check
     * and a restart that must bind it again.
     */
    public static int freeBasePort() {
        int ephemeralFrom = ephemeralPortsFrom();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(10_000, Math.max(10_001, ephemeralFrom - 20));
            if (allFree(base, 20)) {
                return base;
            }
        }
        throw new IllegalStateException("found no 20 free consecutive ports");
    }

    /** The first port of Linux's ephemeral range ({@code ip_local_port_range}), 32768 where it cannot be read. */
    private static int ephemeralPortsFrom() {
        // Read to the end of the stream: some kernels report a wrong size for /proc files, which Files.readString
        // trusts (it read "3" of "32768 60999" here).
        try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            int from = Integer.parseInt(range.trim().split("\\s+")[0]);
            return from > 10_100 ? from : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    private static boolean allFree(int base, int count) {
        for (int p = base; p < base + count; p++) {
            try (ServerSocket s = new ServerSocket(p)) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    int registryPort() {
        return basePort + 1;
    }

    int gatewayPort() {
        return basePort + 2;
    }

    /** The most events the driver offers: every response and every vote. */
    public int events() {
        return responses * (1 + votesPerResponse);
    }
}
