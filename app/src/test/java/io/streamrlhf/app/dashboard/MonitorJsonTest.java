package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorStats;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitorJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void wilsonIntervalMatchesTheHandComputedOneForEightOfTen() {
        // p = 0.8, n = 10, z = 1.96: centre 0.71674, half-width 0.22658.
        double[] ci = MonitorJson.wilson(8, 10);
        assertThat(ci[0]).isCloseTo(0.49016, within(1e-4));
        assertThat(ci[1]).isCloseTo(0.94332, within(1e-4));
    }

    @Test
    void wilsonIntervalStaysInsideZeroToOneAtTheExtremes() {
        assertThat(MonitorJson.wilson(0, 5)[0]).isZero();
        assertThat(MonitorJson.wilson(5, 5)[1]).isEqualTo(1.0);
        assertThat(MonitorJson.wilson(0, 0)).containsExactly(0, 1);
    }

    @Test
    void derivesRatesAndPerVersionTotalsFromPerMinuteCounters() throws Exception {
        String body = """
                {"minutes": [
                  {"policyVersion": 1, "minute": 60000, "responses": 10, "completionChars": 1000,
                   "feedbackUp": 6, "feedbackDown": 2, "judgePass": 3, "judgeFail": 1},
                  {"policyVersion": 1, "minute": 120000, "responses": 10, "completionChars": 3000,
                   "feedbackUp": 2, "feedbackDown": 0, "judgePass": 1, "judgeFail": 3},
                  {"policyVersion": 2, "minute": 120000, "responses": 4, "feedbackUp": 1, "feedbackDown": 3}
                ]}""";

        MonitorJson.Parsed parsed = MonitorJson.parse(json.readTree(body));

        assertThat(parsed.minutes()).hasSize(3);
        MonitorStats first = parsed.minutes().get(0);
        assertThat(first.thumbsUpRate()).isEqualTo(0.75);
        assertThat(first.judgePassRate()).isEqualTo(0.75);
        assertThat(first.meanLength()).isEqualTo(100.0);
        assertThat(first.thumbsUpLow()).isCloseTo(MonitorJson.wilson(6, 8)[0], within(1e-12));

        MonitorStats v1 = parsed.versions().get(0);
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.minute()).isNull();
        assertThat(v1.thumbsUp()).isEqualTo(8);
        assertThat(v1.thumbsDown()).isEqualTo(2);
        assertThat(v1.thumbsUpRate()).isEqualTo(0.8);
        assertThat(v1.thumbsUpLow()).isCloseTo(0.49016, within(1e-4));
        assertThat(v1.judgePassRate()).isEqualTo(0.5);
        assertThat(v1.meanLength()).isEqualTo(200.0);
        assertThat(parsed.versions()).extracting(MonitorStats::version).containsExactly(1L, 2L);
    }

    @Test
    void readsTheDocumentsTheStreamsMonitorServes() throws Exception {
        Instant start = Instant.parse("2026-11-27T12:00:00Z");
        Map<String, String> docs = SampleStack.monitorDocuments(start, 3);

        MonitorJson.Parsed parsed = MonitorJson.parse(json.readTree(docs.get("/monitor/versions")),
                json.readTree(docs.get("/monitor/minutes")));

        assertThat(parsed.versions()).extracting(MonitorStats::version).containsExactly(0L, 1L, 2L);
        assertThat(parsed.versions()).allSatisfy(v -> {
            assertThat(v.minute()).isNull();
            assertThat(v.thumbsUpRate()).isBetween(0.0, 1.0);
            assertThat(v.thumbsUpLow()).isLessThan(v.thumbsUpRate());
            assertThat(v.thumbsUpHigh()).isGreaterThan(v.thumbsUpRate());
            assertThat(v.judgePassRate()).isBetween(0.0, 1.0);
            assertThat(v.meanLength()).isEqualTo(140.0);
        });
        assertThat(parsed.minutes()).hasSize(18);
        assertThat(parsed.minutes().get(0).minute()).isEqualTo(start.toEpochMilli());
        MonitorStats v0 = parsed.versions().get(0);
        long up = parsed.minutes().stream().filter(m -> m.version() == 0).mapToLong(MonitorStats::thumbsUp).sum();
        assertThat(v0.thumbsUp()).isEqualTo(up);
        assertThat(v0.thumbsUpLow()).isCloseTo(MonitorJson.wilson(up, v0.thumbsUp() + v0.thumbsDown())[0],
                within(1e-9));
    }

    @Test
    void leavesOutRecordsThatBelongToNoVersion() throws Exception {
        MonitorJson.Parsed parsed = MonitorJson.parse(json.readTree(
                "{\"versions\": [{\"policyVersion\": -1, \"from\": 0, \"deadLetters\": 4},"
                        + " {\"policyVersion\": 2, \"from\": 0, \"thumbsUp\": 1, \"thumbsDown\": 1}]}"), null);
        assertThat(parsed.versions()).extracting(MonitorStats::version).containsExactly(2L);
    }

    @Test
    void keepsRatesAndIntervalsTheMonitorAlreadyComputed() throws Exception {
        String body = """
                {"versions": {"4": {"responses": 50, "thumbsUp": 30, "thumbsDown": 10, "thumbsUpRate": 0.75,
                                    "wilson": {"low": 0.6, "high": 0.86}, "judgePassRate": 0.9, "judged": 20}}}""";

        MonitorStats v4 = MonitorJson.parse(json.readTree(body)).versions().get(0);

        assertThat(v4.version()).isEqualTo(4);
        assertThat(v4.thumbsUpLow()).isEqualTo(0.6);
        assertThat(v4.thumbsUpHigh()).isEqualTo(0.86);
        assertThat(v4.judgePassRate()).isEqualTo(0.9);
        assertThat(v4.judged()).isEqualTo(20);
    }

    @Test
    void readsIsoMinutesAndLeavesRatesEmptyWithoutFeedback() throws Exception {
        String body = """
                [{"version": 3, "windowStart": "2026-11-27T12:01:00Z", "responses": 5}]""";

        MonitorStats row = MonitorJson.parse(json.readTree(body)).minutes().get(0);

        assertThat(row.minute()).isEqualTo(Instant.parse("2026-11-27T12:01:00Z").toEpochMilli());
        assertThat(row.thumbsUpRate()).isNull();
        assertThat(row.judgePassRate()).isNull();
    }

    @Test
    void ignoresRowsWithoutAVersionAndUnknownShapes() throws Exception {
        MonitorJson.Parsed parsed = MonitorJson.parse(
                json.readTree("{\"minutes\": [{\"responses\": 3}, 7], \"x\": 1}"));
        assertThat(parsed.versions()).isEmpty();
        assertThat(parsed.minutes()).isEmpty();
    }
}
