package io.streamrlhf.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos program on a short schedule: streams, trainer, sampler (with prompts and users) and gateway as separate
 * JVMs ({@code streamrlhf run ...}) on the embedded broker and registry in JVMs of their own; each component
 * process is killed once with SIGKILL and started again, and the broker is killed and restarted once, while events go
 * through the gateway. Every accepted vote must end as exactly one KTO example, every example offset in exactly one
 * committed version's lineage, no version lost, and the sampler on the latest version. Times are not asserted: the
 * program prints them ({@code bench/run ChaosBenchmark}).
 */
class ChaosIT {

    @TempDir
    static Path dataDir;

    @BeforeAll
    static void childClassPath() throws Exception {
        // The children run the module's main classes on its runtime class path (what bench/run uses), written by
        // the package phase before the integration tests.
        Path cp = Path.of("target", "classpath.txt");
        assertThat(cp).exists();
        System.setProperty(
                "chaos.classpath",
                Path.of("target", "classes").toAbsolutePath()
                        + java.io.File.pathSeparator
                        + Files.readString(cp).trim());
    }

    @Test
    void everyAcceptedVoteIsOneExampleInOneVersionAfterEachComponentAndTheBrokerWereKilled() throws Exception {
        ChaosSettings settings = new ChaosSettings(
                dataDir.resolve("chaos"),
                ChaosSettings.freeBasePort(),
                10_000,
                2,
                4,
                Duration.ofSeconds(10),
                1,
                true,
                false,
                7L,
                Duration.ofMinutes(4),
                Map.of());
        try (ChaosRun run = new ChaosRun(settings, System.out)) {
            // given every process ready, when events flow and each component and the broker are killed in turn
            run.start();
            List<ChaosReport.Disruption> disruptions = run.runSchedule();

            // then each came back
            assertThat(disruptions)
                    .extracting(ChaosReport.Disruption::target)
                    .containsExactlyInAnyOrder("streams", "trainer", "sampler", "gateway", "broker");
            assertThat(disruptions).allMatch(ChaosReport.Disruption::survived, "ready again after its kill");

            // and every accepted vote's example is committed and absorbed by a committed version
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(3))
                    .ignoreExceptions()
                    .untilAsserted(() -> {
                        ChaosCheck.Examples e = run.check().examples();
                        assertThat(e.lost()).as("expected examples not found").isZero();
                        assertThat(e.notAbsorbed())
                                .as("examples in no version yet")
                                .isZero();
                    });
            // and the sampler serves the latest committed version (versions keep coming: compare within one reading)
            long[] served = {-1};
            ChaosCheck.Result[] reading = {null};
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .untilAsserted(() -> {
                        served[0] = run.samplerVersion();
                        reading[0] = run.check();
                        assertThat(served[0]).isEqualTo(reading[0].versions().latest());
                    });
            ChaosCheck.Result result = reading[0];
            ChaosReport report = run.report(result, served[0]);
            report.print(System.out);

            // exactly once, with the label voted, nothing refused
            assertThat(report.accepted()).isEqualTo(report.offered());
            assertThat(report.refused()).isZero();
            assertThat(result.examples().expected()).isGreaterThan(20);
            assertThat(result.examples().found()).isEqualTo(result.examples().expected());
            assertThat(result.examples().duplicates()).isZero();
            assertThat(result.examples().wrongLabel()).isZero();
            assertThat(result.examples().unexpected()).isZero();
            // every committed example offset up to the last version in exactly one lineage
            assertThat(result.lineage().inNoVersion()).isZero();
            assertThat(result.lineage().inSeveralVersions()).isZero();
            // versions 0..latest, each once, each the child of the one before, none seen and then gone
            assertThat(result.versions().latest()).isPositive();
            assertThat(result.versions().missing()).isZero();
            assertThat(result.versions().doubled()).isZero();
            assertThat(result.versions().brokenParents()).isZero();
            assertThat(result.versions().gone()).isZero();
        }
    }
}
