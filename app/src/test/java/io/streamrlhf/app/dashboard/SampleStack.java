package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.MonitorContract;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.monitor.VersionCounters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A plausible half hour of the loop, for screenshots and for eyeballing the page: versions improving, the
 * monitor's documents, trainer steps with falling loss and growing margins. Tests only may use the streams
 * module's classes: they pin the dashboard's reading of the monitor's JSON to what the monitor writes.
 */
final class SampleStack {

    private SampleStack() {}

    /**
     * The version monitor's two documents ({@code /monitor/versions}, {@code /monitor/minutes}) for
     * {@code versions} versions of six minutes each, built with the monitor's own {@link VersionCounters} and
     * written by the contract's mapper, so they are exactly what the streams module serves.
     */
    static Map<String, String> monitorDocuments(Instant start, int versions) {
        Random random = new Random(7);
        List<VersionStats> minutes = new ArrayList<>();
        Map<Long, VersionMinuteStats> totals = new TreeMap<>();
        Map<Long, long[]> ranges = new TreeMap<>();
        for (long v = 0; v < versions; v++) {
            double p = 0.32 + 0.045 * v;
            for (int m = 0; m < 6; m++) {
                long minute = start.toEpochMilli() / 60_000 * 60_000 + (v * 4 + m) * 60_000;
                int rated = 30 + random.nextInt(30);
                int up = (int) Math.round(rated * Math.min(0.95, p + random.nextGaussian() * 0.05));
                int judged = 20 + random.nextInt(20);
                int pass = (int) Math.round(judged * Math.min(0.97, p + 0.08 + random.nextGaussian() * 0.05));
                VersionMinuteStats counters = VersionMinuteStats.newBuilder()
                        .setResponses(rated + 15)
                        .setCompletionChars((rated + 15) * 140L)
                        .setFeedbackUp(up)
                        .setFeedbackDown(rated - up)
                        .setJudgePass(pass)
                        .setJudgeFail(judged - pass)
                        .setExamples(rated)
                        .build();
                minutes.add(VersionCounters.toStats(v, minute, minute + 60_000, counters));
                totals.merge(v, counters, VersionCounters::sum);
                ranges.merge(v, new long[] {minute, minute + 60_000}, (a, b) -> new long[] {a[0], b[1]});
            }
        }
        List<VersionStats> perVersion = new ArrayList<>();
        totals.forEach((v, counters) ->
                perVersion.add(VersionCounters.toStats(v, ranges.get(v)[0], ranges.get(v)[1], counters)));
        ObjectMapper json = MonitorContract.mapper();
        try {
            return Map.of(
                    MonitorContract.VERSIONS_PATH,
                    json.writeValueAsString(new VersionsDocument(perVersion)),
                    MonitorContract.MINUTES_PATH,
                    json.writeValueAsString(new MinutesDocument(minutes)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trainer metrics as TRL names them, for step {@code step} of {@code total}. */
    static Map<String, Double> trainerMetrics(long step, Random random) {
        Map<String, Double> m = new LinkedHashMap<>();
        double t = step / 100.0;
        m.put("loss/kto", 0.69 * Math.exp(-t * 0.35) + 0.05 + random.nextGaussian() * 0.02);
        m.put("loss/dpo", 0.69 * Math.exp(-t * 0.5) + 0.08 + random.nextGaussian() * 0.025);
        m.put("rewards/chosen", 0.4 * t + random.nextGaussian() * 0.05);
        m.put("rewards/rejected", -0.5 * t + random.nextGaussian() * 0.05);
        m.put("rewards/margins", 0.9 * t + random.nextGaussian() * 0.08);
        m.put("rewards/accuracies", Math.min(1, 0.5 + 0.4 * (1 - Math.exp(-t)) + random.nextGaussian() * 0.04));
        m.put("kl", 0.02 * t + Math.abs(random.nextGaussian()) * 0.01);
        m.put("examples_per_s", 40 + random.nextGaussian() * 4);
        m.put("tokens_per_s", 5200 + random.nextGaussian() * 300);
        return m;
    }
}
