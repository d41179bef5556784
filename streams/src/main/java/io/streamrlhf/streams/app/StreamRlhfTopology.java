package io.streamrlhf.streams.app;

import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.canary.CanaryTopology;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.deadletter.ValidatedInputs;
import io.streamrlhf.streams.dpo.DpoTopology;
import io.streamrlhf.streams.kto.KtoTopology;
import io.streamrlhf.streams.monitor.MonitorEvents;
import io.streamrlhf.streams.monitor.MonitorTap;
import io.streamrlhf.streams.monitor.MonitorTopology;
import java.util.Objects;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * Every streams feature in one topology (one application, one set of transactions): input validation and dead
 * letters, KTO labels, DPO pairs from all three sources with judge verdicts, the canary controller, and the
 * per-version monitor fed by taps on all of them. Each input topic is read and dead-lettered once.
 */
public final class StreamRlhfTopology {

    private final StreamsSettings settings;
    private final StreamSerdes serdes;

    public StreamRlhfTopology(StreamsSettings settings, StreamSerdes serdes) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** The whole topology. */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        MonitorTap tap =
                MonitorTap.toTopic(serdes.monitorEvents(settings.monitor().eventsTopic()));
        ValidatedInputs inputs = new ValidatedInputs(builder, serdes.topics(), settings.validation(), tap);
        tap.add(inputs.responses(), MonitorEvents::forResponse, "monitor-responses");
        KStream<String, KtoDecision> decisions =
                new KtoTopology(settings.kto(), settings.validation(), serdes).addTo(builder, inputs);
        new DpoTopology(settings.dpo(), settings.judge(), settings.validation(), serdes)
                .addTo(builder, inputs, decisions);
        if (settings.canary().enabled()) {
            new CanaryTopology(settings.canary(), serdes)
                    .addTo(
                            builder,
                            inputs.responses().mapValues(Sourced::value, Named.as("canary-unwrap-responses")),
                            inputs.feedback().mapValues(Sourced::value, Named.as("canary-unwrap-feedback")));
        }
        new MonitorTopology(
                        settings.monitor(),
                        serdes.monitorEvents(settings.monitor().eventsTopic()),
                        serdes)
                .addTo(builder);
        return builder.build();
    }
}
