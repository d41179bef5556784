package io.streamrlhf.app.dashboard;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A plausible hour of the loop, for screenshots and for eyeballing the page: versions improving, per-minute
 * monitor rows, trainer steps with falling loss and growing margins, and a few dead letters.
 */
final class SampleStack {

    private SampleStack() {
    }

    /** Monitor JSON rows per (version, minute), in the counters-only form. */
    static String monitorJson(Instant start, int versions) {
        StringBuilder json = new StringBuilder("{\"minutes\":[");
        Random random = new Random(7);
        boolean first = true;
        for (int v = 0; v < versions; v++) {
            double p = 0.32 + 0.045 * v;
            for (int m = 0; m < 6; m++) {
                long minute = start.toEpochMilli() / 60_000 * 60_000 + (long) (v * 4 + m) * 60_000;
                int rated = 30 + random.nextInt(30);
                int up = (int) Math.round(rated * Math.min(0.95, p + random.nextGaussian() * 0.05));
                int judged = 20 + random.nextInt(20);
                int pass = (int) Math.round(judged * Math.min(0.97, p + 0.08 + random.nextGaussian() * 0.05));
                json.append(first ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"policyVersion\":%d,\"minute\":%d,\"responses\":%d,\"completionChars\":%d,"
                                + "\"feedbackUp\":%d,\"feedbackDown\":%d,\"judgePass\":%d,\"judgeFail\":%d}",
                        v, minute, rated + 15, (rated + 15) * 140, up, rated - up, pass, judged - pass));
                first = false;
            }
        }
        return json.append("]}").toString();
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
