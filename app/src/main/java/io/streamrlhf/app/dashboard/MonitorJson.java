package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorStats;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the streams version monitor's JSON into {@link MonitorStats}. The dashboard sees the monitor only as
 * this JSON, never through the streams module's classes, so it reads tolerantly: rows per version (under
 * {@code versions}) and per (version, minute) (under {@code minutes}, the minute in {@code from}), as the
 * monitor's {@code VersionStats} serializes them, or as counters only ({@code feedbackUp}, {@code judgePass},
 * {@code completionChars}, ...); whatever is missing is derived (per-version totals by summing minutes, rates
 * from counters, the thumbs-up interval by Wilson's score method at 95%). Unknown fields are ignored.
 */
final class MonitorJson {

    /** z for a two-sided 95% interval. */
    static final double Z95 = 1.959963984540054;

    private static final List<String> MINUTE_ARRAYS = List.of("minutes", "buckets", "windows", "series", "rows",
            "stats");
    private static final List<String> VERSION_ARRAYS = List.of("versions", "byVersion", "perVersion");

    /**
     * Figures per version and per (version, minute).
     *
     * @param versions by version ascending
     * @param minutes by minute, then version
     */
    record Parsed(List<MonitorStats> versions, List<MonitorStats> minutes) {
    }

    private MonitorJson() {
    }

    /** Parses one document holding version totals and/or minute rows (see the class comment). */
    static Parsed parse(JsonNode root) {
        return parse(root, null);
    }

    /**
     * Parses the monitor's two documents: {@code GET /monitor/versions} ({@code {"versions": [...]}}) and
     * {@code GET /monitor/minutes} ({@code {"minutes": [...]}}, each row's minute in {@code from}); either may be
     * null. Rows of version -1 (records that belong to no version) are left out.
     */
    static Parsed parse(JsonNode versionsDoc, JsonNode minutesDoc) {
        List<MonitorStats> minutes = new ArrayList<>();
        List<MonitorStats> versions = new ArrayList<>();
        for (JsonNode root : new JsonNode[] {versionsDoc, minutesDoc}) {
            if (root == null) {
                continue;
            }
            if (root.isArray()) {
                rows(root, null, Kind.AUTO, minutes, versions);
            } else if (root.isObject()) {
                for (String name : MINUTE_ARRAYS) {
                    rows(root.get(name), null, Kind.MINUTE, minutes, versions);
                }
                for (String name : VERSION_ARRAYS) {
                    JsonNode node = root.get(name);
                    if (node != null && node.isObject()) {
                        for (Map.Entry<String, JsonNode> e : node.properties()) {
                            rows(e.getValue(), parseLong(e.getKey()), Kind.VERSION, minutes, versions);
                        }
                    } else {
                        rows(node, null, Kind.VERSION, minutes, versions);
                    }
                }
            }
        }
        versions.removeIf(r -> r.version() < 0);
        minutes.removeIf(r -> r.version() < 0);
        if (versions.isEmpty()) {
            versions = sumByVersion(minutes);
        }
        versions.sort(Comparator.comparingLong(MonitorStats::version));
        minutes.sort(Comparator.comparing(MonitorStats::minute).thenComparingLong(MonitorStats::version));
        return new Parsed(versions, minutes);
    }

    /** What the rows of an array are: per-version totals, per-minute rows, or decided by their fields. */
    private enum Kind { VERSION, MINUTE, AUTO }

    /** Rows of {@code node} (an array of rows, one row, or rows nested under a row's "minutes"). */
    private static void rows(JsonNode node, Long versionHint, Kind kind, List<MonitorStats> minutes,
                             List<MonitorStats> versions) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            node.forEach(row -> rows(row, versionHint, kind, minutes, versions));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        Long version = longField(node, "policyVersion", "version");
        if (version == null) {
            version = versionHint;
        }
        if (version == null) {
            return;
        }
        Long minute = kind == Kind.VERSION ? null : minute(node);
        if (kind == Kind.MINUTE && minute == null) {
            return;
        }
        MonitorStats stats = stats(node, version, minute);
        if (minute == null) {
            versions.add(stats);
        } else {
            minutes.add(stats);
        }
        for (String name : MINUTE_ARRAYS) {
            JsonNode nested = node.get(name);
            if (nested != null && nested.isArray()) {
                rows(nested, version, Kind.MINUTE, minutes, new ArrayList<>());
            }
        }
    }

    private static MonitorStats stats(JsonNode row, long version, Long minute) {
        long responses = count(row, "responses", "responseCount");
        long up = count(row, "feedbackUp", "thumbsUp", "up");
        long down = count(row, "feedbackDown", "thumbsDown", "down");
        long retract = count(row, "feedbackRetract", "retractions");
        long feedback = row.has("feedback") && row.get("feedback").isNumber() ? row.get("feedback").asLong()
                : up + down + retract;
        long pass = count(row, "judgePass", "judgePassed", "passed");
        long fail = count(row, "judgeFail", "judgeFailed", "failed");
        long judged = row.has("judged") ? row.get("judged").asLong() : pass + fail;
        long chars = count(row, "completionChars", "chars");
        Double rate = rate(row, up, down, "thumbsUpRate", "upRate");
        Double low = doubleField(row, "thumbsUpLow", "wilsonLow", "ciLow", "low");
        Double high = doubleField(row, "thumbsUpHigh", "wilsonHigh", "ciHigh", "high");
        JsonNode wilson = row.get("wilson");
        if (wilson != null && wilson.isObject()) {
            low = low != null ? low : doubleField(wilson, "low", "lower");
            high = high != null ? high : doubleField(wilson, "high", "upper");
        }
        if ((low == null || high == null) && up + down > 0) {
            double[] ci = wilson(up, up + down);
            low = ci[0];
            high = ci[1];
        }
        Double passRate = rate(row, pass, fail, "judgePassRate", "passRate");
        Double meanLength = doubleField(row, "meanCompletionLength", "meanLength", "meanChars");
        if (meanLength == null && responses > 0 && chars > 0) {
            meanLength = (double) chars / responses;
        }
        return new MonitorStats(version, minute, responses, feedback, up, down, rate, low, high, judged, passRate,
                meanLength);
    }

    private static List<MonitorStats> sumByVersion(List<MonitorStats> minutes) {
        Map<Long, long[]> sums = new TreeMap<>();
        Map<Long, Double> lengthWeighted = new TreeMap<>();
        for (MonitorStats m : minutes) {
            long[] s = sums.computeIfAbsent(m.version(), v -> new long[6]);
            s[0] += m.responses();
            s[1] += m.feedback();
            s[2] += m.thumbsUp();
            s[3] += m.thumbsDown();
            s[4] += m.judged();
            s[5] += m.judgePassRate() == null ? 0 : Math.round(m.judgePassRate() * m.judged());
            if (m.meanLength() != null) {
                lengthWeighted.merge(m.version(), m.meanLength() * m.responses(), Double::sum);
            }
        }
        List<MonitorStats> out = new ArrayList<>();
        sums.forEach((version, s) -> {
            double[] ci = s[2] + s[3] > 0 ? wilson(s[2], s[2] + s[3]) : null;
            Double length = lengthWeighted.containsKey(version) && s[0] > 0 ? lengthWeighted.get(version) / s[0]
                    : null;
            out.add(new MonitorStats(version, null, s[0], s[1], s[2], s[3],
                    s[2] + s[3] > 0 ? (double) s[2] / (s[2] + s[3]) : null,
                    ci == null ? null : ci[0], ci == null ? null : ci[1], s[4],
                    s[4] > 0 ? (double) s[5] / s[4] : null, length));
        });
        return out;
    }

    /**
     * Wilson score interval at 95% for {@code successes} out of {@code trials}: unlike the normal
     * approximation it stays inside [0, 1] and is honest about small counts.
     */
    static double[] wilson(long successes, long trials) {
        if (trials <= 0) {
            return new double[] {0, 1};
        }
        double n = trials;
        double p = successes / n;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    private static Double rate(JsonNode row, long yes, long no, String... names) {
        Double given = doubleField(row, names);
        if (given != null) {
            return given;
        }
        return yes + no > 0 ? (double) yes / (yes + no) : null;
    }

    private static Long minute(JsonNode row) {
        for (String name : List.of("minute", "from", "windowStart", "start", "bucket", "time", "timestamp")) {
            JsonNode v = row.get(name);
            if (v == null || v.isNull()) {
                continue;
            }
            if (v.isNumber()) {
                return v.asLong();
            }
            if (v.isTextual()) {
                try {
                    return Instant.parse(v.asText()).toEpochMilli();
                } catch (DateTimeParseException e) {
                    Long parsed = parseLong(v.asText());
                    if (parsed != null) {
                        return parsed;
                    }
                }
            }
        }
        return null;
    }

    private static long count(JsonNode row, String... names) {
        Long v = longField(row, names);
        return v == null ? 0 : v;
    }

    private static Long longField(JsonNode row, String... names) {
        for (String name : names) {
            JsonNode v = row.get(name);
            if (v != null && v.isNumber()) {
                return v.asLong();
            }
            if (v != null && v.isTextual()) {
                Long parsed = parseLong(v.asText());
                if (parsed != null) {
                    return parsed;
                }
            }
        }
        return null;
    }

    private static Double doubleField(JsonNode row, String... names) {
        for (String name : names) {
            JsonNode v = row.get(name);
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                return v.asDouble();
            }
        }
        return null;
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
