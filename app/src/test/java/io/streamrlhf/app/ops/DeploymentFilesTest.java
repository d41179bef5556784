package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Static checks of {@code docker/} (no Docker daemon runs here): health checks, the Prometheus configuration and
 * the alert rules. {@code OperationsIT} checks the rules' metric names against a real scrape.
 */
class DeploymentFilesTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyLongRunningServiceHasAHealthCheckAndComponentsAskReadiness() throws Exception {
        Map<String, Map<String, Object>> services = DeploymentFiles.services();
        List<String> missing = new ArrayList<>();
        services.forEach((name, service) -> {
            // A one-shot job (topic provisioning) exits when done: the services that need it wait for its exit
            // status (service_completed_successfully), and a health check would never be asked.
            boolean oneShot = "no".equals(String.valueOf(service.get("restart")));
            Object check = service.get("healthcheck");
            if (!oneShot && !(check instanceof Map<?, ?> m && m.get("test") != null)) {
                missing.add(name);
            }
        });
        assertThat(missing).as("services without a health check").isEmpty();

        List<String> components = DeploymentFiles.componentServices();
        assertThat(components).contains("streams", "trainer", "sampler", "gateway", "dashboard", "users");
        for (String name : components) {
            Map<String, Object> check = (Map<String, Object>) services.get(name).get("healthcheck");
            assertThat(String.valueOf(check.get("test")))
                    .as(name + "'s health check")
                    .contains("http://localhost:9464/health/ready");
            Map<String, Object> env = (Map<String, Object>) services.get(name).get("environment");
            assertThat(env).as(name + "'s environment").containsEntry("STREAMRLHF_OPS_PORT", 9464);
            assertThat(env).containsEntry("STREAMRLHF_OPS_BIND", "0.0.0.0");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryComponentServiceAndLoadsTheAlertRules() throws Exception {
        Map<String, Object> prometheus = DeploymentFiles.yaml("prometheus.yml");
        assertThat((List<String>) prometheus.get("rule_files")).containsExactly("/etc/prometheus/alerts.yml");
        List<String> targets = new ArrayList<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) prometheus.get("scrape_configs")) {
            assertThat(job.get("metrics_path")).isEqualTo("/metrics");
            for (Map<String, Object> config : (List<Map<String, Object>>) job.get("static_configs")) {
                targets.addAll((List<String>) config.get("targets"));
            }
        }
        List<String> expected = DeploymentFiles.componentServices().stream()
                .map(s -> s + ":9464")
                .toList();
        assertThat(targets).containsExactlyInAnyOrderElementsOf(expected);

        Map<String, Object> service = DeploymentFiles.services().get("prometheus");
        assertThat(String.valueOf(service.get("volumes")))
                .contains("./prometheus.yml:/etc/prometheus/prometheus.yml")
                .contains("./alerts.yml:/etc/prometheus/alerts.yml");
    }

    @Test
    void everyAlertHasAnExpressionNamingAtLeastOneMetricAndTheFourAskedForExist() throws Exception {
        Map<String, String> alerts = DeploymentFiles.alertExpressions();
        assertThat(alerts).containsKeys("StreamsNotRunning", "NoPolicyVersion", "DeadLetterRate", "ConsumerLag");
        alerts.forEach((name, expr) -> assertThat(DeploymentFiles.metricNames(expr))
                .as(name + ": " + expr)
                .isNotEmpty());
    }
}
