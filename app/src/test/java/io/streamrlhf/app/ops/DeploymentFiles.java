package io.streamrlhf.app.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** The files of {@code docker/}, parsed: the compose file, the Prometheus configuration and its alert rules. */
final class DeploymentFiles {

    /** The metric families StreamRLHF processes serve: ours, the Kafka clients', the JVM's. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:streamrlhf|kafka|jvm|process|system)_[a-z0-9_]+)\\b");

    static final Path DOCKER =
            Path.of(System.getProperty("user.dir")).resolve("../docker").normalize();

    private DeploymentFiles() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String file) throws IOException {
        // SnakeYAML resolves anchors and merge keys (<<: *streamrlhf) the way Docker Compose does.
        return (Map<String, Object>) new Yaml().load(Files.readString(DOCKER.resolve(file)));
    }

    /** Each alert's name and expression, in file order. */
    @SuppressWarnings("unchecked")
    static Map<String, String> alertExpressions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> group :
                (List<Map<String, Object>>) yaml("alerts.yml").get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                out.put((String) rule.get("alert"), String.valueOf(rule.get("expr")));
            }
        }
        return out;
    }

    /** The metric names an expression reads. */
    static Set<String> metricNames(String expr) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Each compose service by name. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services() throws IOException {
        return (Map<String, Map<String, Object>>) yaml("compose.yml").get("services");
    }

    /** The compose services that run StreamRLHF components ({@code streamrlhf run ...}). */
    static List<String> componentServices() throws IOException {
        List<String> out = new ArrayList<>();
        services().forEach((name, service) -> {
            Object command = service.get("command");
            if (command instanceof List<?> c && !c.isEmpty() && "run".equals(c.get(0))) {
                out.add(name);
            }
        });
        return out;
    }
}
