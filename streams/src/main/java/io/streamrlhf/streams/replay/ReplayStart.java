package io.streamrlhf.streams.replay;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a replay starts reading the event topics: at an event time (each partition's first record at or after it,
 * Kafka's {@code offsetsForTimes}) or at explicit offsets.
 */
public sealed interface ReplayStart {

    /**
     * From the first record at or after {@code time} on every partition of the event topics.
     *
     * @param time the record timestamp to start from
     */
    record AtTime(Instant time) implements ReplayStart {
        public AtTime {
            Objects.requireNonNull(time, "time");
        }
    }

    /**
     * From the given offsets; partitions of the event topics that are not named start at their earliest retained
     * offset.
     *
     * @param offsets the first offset to read per partition
     */
    record AtOffsets(Map<TopicPartition, Long> offsets) implements ReplayStart {
        public AtOffsets {
            offsets = Map.copyOf(offsets);
            offsets.forEach((tp, offset) -> {
                if (offset < 0) {
                    throw new IllegalArgumentException("offset of " + tp + " must be >= 0, got " + offset);
                }
            });
        }
    }

    /**
     * Parses {@code --from}: an ISO-8601 instant ({@code 2026-12-07T10:00:00Z}) or a comma-separated list of
     * {@code topic:partition:offset}.
     *
     * @throws IllegalArgumentException naming the part that is neither
     */
    static ReplayStart parse(String from) {
        Objects.requireNonNull(from, "from");
        String text = from.trim();
        if (!text.isEmpty() && Character.isDigit(text.charAt(0)) && text.contains("T")) {
            try {
                return new AtTime(Instant.parse(text));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "--from " + from + ": not an ISO-8601 instant such as 2026-12-07T10:00:00Z", e);
            }
        }
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (String part : List.of(text.split(","))) {
            String p = part.trim();
            int last = p.lastIndexOf(':');
            int middle = last < 0 ? -1 : p.lastIndexOf(':', last - 1);
            if (middle <= 0) {
                throw new IllegalArgumentException(
                        "--from " + from + ": '" + p + "' is neither an ISO-8601 instant nor topic:partition:offset");
            }
            try {
                TopicPartition tp =
                        new TopicPartition(p.substring(0, middle), Integer.parseInt(p.substring(middle + 1, last)));
                if (offsets.put(tp, Long.parseLong(p.substring(last + 1))) != null) {
                    throw new IllegalArgumentException("--from " + from + ": " + tp + " is named twice");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--from " + from + ": '" + p + "' needs a whole partition and offset (topic:partition:offset)",
                        e);
            }
        }
        return new AtOffsets(offsets);
    }
}
