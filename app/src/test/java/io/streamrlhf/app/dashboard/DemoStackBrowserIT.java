package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.app.pipeline.DemoStack;
import io.streamrlhf.config.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end: the whole stack starts on a fresh data folder (a tiny model so it fits in CI), the
 * trainer warm-starts and then learns from the simulated users' feedback, and a new policy version appears on
 * the dashboard in headless Chromium, with a progress line printed for it.
 */
class DemoStackBrowserIT {

    private static final Path SCREENSHOT = Path.of("target", "demo-it", "demo.png");

    @Test
    void newPolicyVersionTrainedFromUserFeedbackAppearsOnTheDashboard(@TempDir Path dataDir) throws Exception {
        if (!HeadlessChromium.installed()) {
            fail("Chromium is not installed at " + HeadlessChromium.BINARY + ": run .ci/run (it installs Debian's "
                    + "chromium) or apt-get install chromium");
        }
        Settings settings = Settings.of(Map.ofEntries(
                Map.entry("data.dir", dataDir.toString()),
                Map.entry("dashboard.port", "0"),
                Map.entry("gateway.port", "0"),
                Map.entry("monitor.http.port", "0"),
                Map.entry("ops.port", "0"),
                Map.entry("trainer.model.layers", "1"),
                Map.entry("trainer.model.width", "32"),
                Map.entry("trainer.model.heads", "2"),
                Map.entry("trainer.model.context", "64"),
                Map.entry("trainer.warmstart.steps", "20"),
                Map.entry("warmstart.corpus.lines", "200"),
                Map.entry("trainer.publish.every.steps", "2"),
                Map.entry("trainer.kto.batch.size", "4"),
                Map.entry("trainer.dpo.batch.size", "4"),
                Map.entry("sampler.max.tokens", "12"),
                Map.entry("kto.settle.delay", "0s"),
                Map.entry("streams.application.id", "demo-it")));
        StringWriter progress = new StringWriter();
        try (DemoStack demo = DemoStack.start(settings, new PrintWriter(progress, true));
                HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.viewport(1440, 1000);
            chromium.navigate(demo.dashboardUrl().orElseThrow());

            await().atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> chromium.evaluate("document.getElementById('version-1') !== null")
                            .asBoolean(false));

            assertThat(chromium.pageErrors()).as("errors in the page's scripts").isEmpty();
            Files.createDirectories(SCREENSHOT.getParent());
            chromium.screenshot(SCREENSHOT);
            assertThat(Files.size(SCREENSHOT)).isGreaterThan(40_000);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> progress.toString().contains("version 1 "));
            assertThat(progress.toString()).contains("WARM_START").contains("parent 0");
        }
    }
}
