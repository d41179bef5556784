package io.streamrlhf.streams.monitor;

import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.common.Emissions;
import io.streamrlhf.streams.deadletter.SinkSizeGuard;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueMapper;

/**
 * Where the topologies send their monitor events while they are wired. Each tapped stream is re-keyed by policy
 * version and written to the monitor events topic through its own sink, rather than merged, so tapping never joins
 * sub-topologies together; the {@link MonitorTopology} reads that one topic. A topology built on its own uses
 * {@link #discarding()}.
 */
public final class MonitorTap {

    private final Topic<String, MonitorEvent> events;
    private int sinks;

    private MonitorTap(Topic<String, MonitorEvent> events) {
        this.events = events;
    }

    /** A tap that writes to {@code events}. */
    public static MonitorTap toTopic(Topic<String, MonitorEvent> events) {
        return new MonitorTap(events);
    }

    /** A tap that drops everything (a feature topology built without the monitor). */
    public static MonitorTap discarding() {
        return new MonitorTap(null);
    }

    /**
     * Sends one monitor event per record of {@code stream}, made by {@code toEvent} in a node named {@code name}. A
     * discarding tap adds no node at all, so a topology built without the monitor does not make events for nothing.
     */
    public <K, V> void add(KStream<K, V> stream, ValueMapper<? super V, MonitorEvent> toEvent, String name) {
        if (events != null) {
            add(stream.mapValues(toEvent, Named.as(name)));
        }
    }

    /**
     * Sends the monitor events of {@code emissions} to the monitor. A discarding tap does not ask for them, so their
     * node is left out and the processor's monitor events are not forwarded at all.
     */
    public void addMonitorOf(Emissions<?> emissions) {
        if (events != null) {
            add(emissions.monitor());
        }
    }

    /** Sends {@code stream}'s events to the monitor. */
    public void add(KStream<?, MonitorEvent> stream) {
        if (events == null) {
            return;
        }
        int n = sinks++;
        stream.selectKey((k, e) -> MonitorTopology.versionKey(e.getPolicyVersion()), Named.as("monitor-tap-key-" + n))
                .to(
                        events.name(),
                        Produced.with(events.keySerde(), SinkSizeGuard.limit(events.valueSerde()))
                                .withName("monitor-tap-sink-" + n));
    }
}
