package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.TopicNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow clients (slowloris: a request's headers sent a byte at a time, never finished) cannot hold the gateway's
 * threads: a normal request still gets through while they trickle, each slow one is cut off after
 * {@code gateway.request.timeout}, and connections beyond {@code gateway.max.connections} are closed at once.
 * Deadlines are generous; nothing here measures speed.
 */
class GatewaySlowClientsIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final byte[] ENDLESS_HEADERS = ("POST /v1/feedback HTTP/1.1\r\nHost: gateway\r\nX-Padding: "
                    + "x".repeat(4000))
            .getBytes(StandardCharsets.US_ASCII);

    private final ScheduledExecutorService trickle = Executors.newScheduledThreadPool(2);
    private final List<Socket> sockets = new ArrayList<>();
    private IngestionGateway gateway;

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(int threads, int maxConnections) {
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), connection)
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF)
                .withThreads(threads, 1024);
        config = config.withLimits(config.limits().withConnections(Duration.ofSeconds(2), maxConnections));
        gateway = new IngestionGateway(config, KAFKA.schemaRegistryClient()).start();
    }

    /** Opens {@code n} connections that each send one more header byte every 200 ms; returns bytes sent so far. */
    private AtomicInteger openSlowClients(int n) throws IOException {
        AtomicInteger sent = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            Socket socket = new Socket("127.0.0.1", gateway.port());
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            AtomicInteger position = new AtomicInteger();
            trickle.scheduleAtFixedRate(
                    () -> {
                        try {
                            out.write(ENDLESS_HEADERS[position.getAndIncrement() % ENDLESS_HEADERS.length]);
                            out.flush();
                            sent.incrementAndGet();
                        } catch (IOException closedByTheGateway) {
                            throw new IllegalStateException("closed", closedByTheGateway);
                        }
                    },
                    0,
                    200,
                    TimeUnit.MILLISECONDS);
        }
        return sent;
    }

    private static boolean closedByPeer(Socket socket) {
        try {
            socket.setSoTimeout(50);
            InputStream in = socket.getInputStream();
            return in.read() == -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void aNormalRequestGetsThroughWhileManySlowClientsTrickleAndEachSlowOneIsCutOff() throws IOException {
        // given: two core threads, and 40 slow clients, each of which would hold a thread for ever
        start(2, 64);
        AtomicInteger sent = openSlowClients(40);
        await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= 3 * 40);

        // when: a normal client sends a vote
        HttpCalls calls = new HttpCalls(gateway.baseUri());

        // then: it is answered while the slow ones still trickle, and every slow one is closed by the gateway
        await().atMost(Duration.ofSeconds(60))
                .until(() -> calls.post("/v1/feedback", "{'responseId':'r1','userId':'u','kind':'THUMBS_UP'}")
                                .statusCode()
                        == 202);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> sockets.stream().allMatch(GatewaySlowClientsIT::closedByPeer));
        assertThat(gateway.slowRequestsClosed()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndServiceResumesAfterTheSlowOnesAreCut() throws IOException {
        start(2, 8);

        AtomicInteger sent = openSlowClients(16);

        await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= 16);
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.connectionsRefused() >= 1);
        HttpCalls calls = new HttpCalls(gateway.baseUri());
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> calls.send(calls.request("/healthz").GET().build()).statusCode() == 200);
    }
}
