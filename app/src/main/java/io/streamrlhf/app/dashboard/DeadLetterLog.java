package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.DashboardSnapshot.DeadLetterView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.ReasonCount;
import io.streamrlhf.app.dashboard.DashboardSnapshot.RecentDeadLetter;
import io.streamrlhf.avro.DeadLetter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Dead letters, counted by source topic and error class and by minute, with the newest few kept for the page
 * (without their payloads, which may hold user text).
 */
final class DeadLetterLog {

    static final int MAX_REASON_CHARS = 240;
    private static final long MINUTE_MS = 60_000;

    private final int recentCapacity;
    private final int minutesKept;
    private final Map<List<String>, Long> byReason =
            new TreeMap<>(Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
    private final TreeMap<Long, Long> perMinute = new TreeMap<>();
    private final Deque<RecentDeadLetter> recent = new ArrayDeque<>();
    private long total;

    DeadLetterLog(int recentCapacity, int minutesKept) {
        this.recentCapacity = recentCapacity;
        this.minutesKept = minutesKept;
    }

    synchronized void add(DeadLetter record) {
        total++;
        String topic = record.getTopic().toString();
        String errorClass = record.getErrorClass().toString();
        byReason.merge(List.of(topic, errorClass), 1L, Long::sum);
        long time = record.getTime().toEpochMilli();
        perMinute.merge(time - Math.floorMod(time, MINUTE_MS), 1L, Long::sum);
        while (perMinute.size() > minutesKept) {
            perMinute.pollFirstEntry();
        }
        String reason = record.getReason().toString();
        if (reason.length() > MAX_REASON_CHARS) {
            reason = reason.substring(0, MAX_REASON_CHARS - 1) + "…";
        }
        recent.addFirst(
                new RecentDeadLetter(time, topic, record.getPartition(), record.getOffset(), errorClass, reason));
        while (recent.size() > recentCapacity) {
            recent.removeLast();
        }
    }

    synchronized DeadLetterView view() {
        List<ReasonCount> reasons = new ArrayList<>();
        byReason.forEach((k, n) -> reasons.add(new ReasonCount(k.get(0), k.get(1), n)));
        reasons.sort(Comparator.comparingLong(ReasonCount::count).reversed());
        List<double[]> minutes = new ArrayList<>();
        perMinute.forEach((minute, n) -> minutes.add(new double[] {minute, n}));
        return new DeadLetterView(total, reasons, minutes, List.copyOf(recent));
    }
}
