package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.ops.OpsServer;
import io.streamrlhf.app.ops.Supervisor;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Readiness while a process is still setting its components up: its health server already answers, and must not
 * say ready before the components it will run are supervised and ready.
 */
class PipelineReadinessTest {

    @Test
    void componentsNotSupervisedYetAreStartingSoThatReadinessIs503() throws Exception {
        // given a pipeline about to set up the sampler, the prompt source and the users, none supervised yet
        try (Pipeline pipeline = new Pipeline(Map.of(), new InMemorySchemaRegistry())) {
            pipeline.expect(EnumSet.of(Component.SAMPLER, Component.PROMPTS, Component.USERS));

            // then each is reported STARTING and not ready
            assertThat(pipeline.reports())
                    .extracting(Supervisor.Report::component)
                    .containsExactly("sampler", "prompts", "users");
            assertThat(pipeline.reports()).allMatch(r -> r.status() == Supervisor.Status.STARTING && !r.ready());

            // and a health server over those reports answers 503 on ready, 200 on live
            try (OpsServer ops = new OpsServer("127.0.0.1", 0, pipeline::reports, () -> "")) {
                HttpClient http = HttpClient.newHttpClient();
                URI base = URI.create("http://127.0.0.1:" + ops.port());
                assertThat(status(http, base.resolve("/health/ready"))).isEqualTo(503);
                assertThat(status(http, base.resolve("/health/live"))).isEqualTo(200);
            }
        }
    }

    private static int status(HttpClient http, URI uri) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
