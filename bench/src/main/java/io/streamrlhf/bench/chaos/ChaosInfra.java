package io.streamrlhf.bench.chaos;

import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;

/**
 * The embedded broker or the embedded schema registry alone in a JVM, so that the chaos program can kill and restart
 * each on its own (what {@code streamrlhf up} starts together). Each runs until it is killed.
 *
 * <pre>
 * ChaosInfra broker DATA_DIR PORT           persistent broker on 127.0.0.1:PORT, every topic provisioned
 * ChaosInfra registry BOOTSTRAP PORT        Kafka-backed registry on 127.0.0.1:PORT
 * </pre>
 */
public final class ChaosInfra {

    private ChaosInfra() {}

    /** Starts the named service, prints {@code READY} and blocks. */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ChaosInfra broker DATA_DIR PORT | registry BOOTSTRAP PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[2]);
        AutoCloseable service = switch (args[0]) {
            case "broker" -> startBroker(Path.of(args[1]), port);
            case "registry" ->
                EmbeddedSchemaRegistry.kafkaBacked(
                                new EmbeddedSchemaRegistry.Config("127.0.0.1", port, 4),
                                KafkaBackedSchemaRegistry.Config.of(
                                        args[1], TopicNames.defaults().schemas()))
                        .start();
            default -> throw new IllegalArgumentException("unknown service " + args[0]);
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                service.close();
                            } catch (Exception e) {
                                e.printStackTrace();
                            }
                            stopped.countDown();
                        },
                        "chaos-infra-shutdown"));
        System.out.println("READY " + args[0]);
        System.out.flush();
        stopped.await();
    }

    private static EmbeddedKafkaBroker startBroker(Path dataDir, int port) {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.persistent(dataDir, Map.of("port", String.valueOf(port)))
                .start();
        try (Admin admin = Admin.create(broker.adminProperties())) {
            new TopicProvisioner(admin).ensure(TopicLayout.specsFromProperties(Map.of()));
        }
        return broker;
    }
}
