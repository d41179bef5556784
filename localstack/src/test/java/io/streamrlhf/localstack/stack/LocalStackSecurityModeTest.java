package io.streamrlhf.localstack.stack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data folder keeps the security it was made with: neither secured in place nor opened up by a plain start. */
class LocalStackSecurityModeTest {

    @TempDir
    Path dataDir;

    @Test
    void securedStartOnAPlainBrokersDataIsRefused() throws Exception {
        brokerData();

        assertThatThrownBy(() ->
                        LocalStack.secured(config(), "admin", List.of("alice")).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("started without --secure")
                .hasMessageContaining("new data.dir");
    }

    @Test
    void plainStartOnASecuredBrokersDataIsRefused() throws Exception {
        brokerData();
        Files.createDirectories(dataDir.resolve("security"));
        Files.writeString(dataDir.resolve("security").resolve("secrets.properties"), "password.admin=x\n");

        assertThatThrownBy(() -> new LocalStack(config()).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("start it with --secure");
    }

    private void brokerData() throws Exception {
        Path logs = dataDir.resolve("kafka").resolve("kraft-logs");
        Files.createDirectories(logs);
        Files.writeString(logs.resolve("meta.properties"), "node.id=1\n");
    }

    private StackConfig config() {
        return StackConfig.from(Map.of("data.dir", dataDir.toString()));
    }
}
