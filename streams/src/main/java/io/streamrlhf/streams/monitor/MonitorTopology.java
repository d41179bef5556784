package io.streamrlhf.streams.monitor;

import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.MonitorConfig;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The per-version monitor: reads the monitor events topic (keyed by policy version, fed by every
 * {@link MonitorTap}) and counts per version per minute of event time into the window store {@value #STORE},
 * which {@link MonitorQuery} serves over HTTP.
 */
public final class MonitorTopology {

    /** The queryable store of per-version, per-minute counters. */
    public static final String STORE = "monitor-version-minute";
    /** The key of events that belong to no version (undecodable records). */
    public static final String UNATTRIBUTED = "-1";

    private final MonitorConfig config;
    private final Topic<String, MonitorEvent> events;
    private final StreamSerdes serdes;

    public MonitorTopology(MonitorConfig config, Topic<String, MonitorEvent> events, StreamSerdes serdes) {
        this.config = Objects.requireNonNull(config, "config");
        this.events = Objects.requireNonNull(events, "events");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** The monitor on its own, reading the events topic. */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder);
        return builder.build();
    }

    /** Wires the monitor onto {@code builder}. */
    public void addTo(StreamsBuilder builder) {
        builder.stream(
                        events.name(),
                        Consumed.with(events.keySerde(), events.valueSerde()).withName("monitor-events-source"))
                .groupByKey(Grouped.with("monitor-group", Serdes.String(), serdes.monitorEvent()))
                .windowedBy(TimeWindows.ofSizeAndGrace(MonitorConfig.BUCKET, config.grace()))
                .aggregate(
                        MonitorAggregator::empty,
                        new MonitorAggregator(),
                        Named.as("monitor-aggregate"),
                        Materialized.<String, VersionMinuteStats, WindowStore<Bytes, byte[]>>as(STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(serdes.versionMinuteStats())
                                .withRetention(config.retention()));
    }

    /** The monitor key of a policy version. */
    public static String versionKey(long policyVersion) {
        return policyVersion < 0 ? UNATTRIBUTED : Long.toString(policyVersion);
    }
}
