package io.streamrlhf.streams.monitor;

import io.streamrlhf.streams.avro.MonitorEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * Collects the monitor-event streams that the topologies tap off while they are wired, so the monitor can merge
 * them. A topology built on its own simply leaves its tap unread.
 */
public final class MonitorTap {

    private final List<KStream<String, MonitorEvent>> streams = new ArrayList<>();

    /** Adds one stream of monitor events. */
    public void add(KStream<String, MonitorEvent> events) {
        streams.add(events);
    }

    /** Every tapped stream merged into one, or empty when nothing was tapped. */
    public Optional<KStream<String, MonitorEvent>> merged() {
        if (streams.isEmpty()) {
            return Optional.empty();
        }
        KStream<String, MonitorEvent> all = streams.get(0);
        for (int i = 1; i < streams.size(); i++) {
            all = all.merge(streams.get(i), Named.as("monitor-merge-" + i));
        }
        return Optional.of(all);
    }
}
