package io.streamrlhf.streams.common;

import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.avro.CanaryObservation;
import io.streamrlhf.streams.avro.CanaryResponseRef;
import io.streamrlhf.streams.avro.CanaryState;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.PendingPreference;
import io.streamrlhf.streams.avro.PromptSnapshot;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.RolloutGroup;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.config.StateStoreType;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topics, the state store builders, plus the serdes of the topologies' own state and repartition values
 * (Avro on the same wire format, registered in the same registry). Built once and passed to every topology's
 * constructor, so tests build the same topologies over an in-memory registry.
 */
public final class StreamSerdes {

    private final Topics topics;
    private final Serde<ResponseSnapshot> responseSnapshot;
    private final Serde<KtoResponseState> ktoResponseState;
    private final Serde<KtoDecision> ktoDecision;
    private final Serde<DerivedPromptState> derivedPromptState;
    private final Serde<PendingPreference> pendingPreference;
    private final Serde<RolloutGroup> rolloutGroup;
    private final Serde<PromptSnapshot> promptSnapshot;
    private final Serde<MonitorEvent> monitorEvent;
    private final Serde<VersionMinuteStats> versionMinuteStats;
    private final Serde<CanaryResponseRef> canaryResponseRef;
    private final Serde<CanaryObservation> canaryObservation;
    private final Serde<CanaryState> canaryState;

    private final StateStores stores;

    /** Serdes over {@code registry} with RocksDB state stores. */
    public StreamSerdes(Topics topics, SchemaRegistryClient registry) {
        this(topics, registry, StateStoreType.ROCKSDB);
    }

    /**
     * @param topics the typed input and output topics
     * @param registry where internal schemas are registered (the same registry the topics use)
     * @param storeType where state stores keep their data
     */
    public StreamSerdes(Topics topics, SchemaRegistryClient registry, StateStoreType storeType) {
        this.topics = Objects.requireNonNull(topics, "topics");
        this.stores = new StateStores(Objects.requireNonNull(storeType, "storeType"));
        Objects.requireNonNull(registry, "registry");
        this.responseSnapshot = AvroSerde.forValues(ResponseSnapshot.class, registry);
        // Compact and not registered; the Avro serde still reads the records of earlier builds.
        this.ktoResponseState = new KtoStateSerde(
                AvroSerde.forValues(KtoResponseState.class, registry).deserializer());
        this.ktoDecision = AvroSerde.forValues(KtoDecision.class, registry);
        this.derivedPromptState = AvroSerde.forValues(DerivedPromptState.class, registry);
        this.pendingPreference = AvroSerde.forValues(PendingPreference.class, registry);
        this.rolloutGroup = AvroSerde.forValues(RolloutGroup.class, registry);
        this.promptSnapshot = AvroSerde.forValues(PromptSnapshot.class, registry);
        this.monitorEvent = AvroSerde.forValues(MonitorEvent.class, registry);
        this.versionMinuteStats = AvroSerde.forValues(VersionMinuteStats.class, registry);
        this.canaryResponseRef = AvroSerde.forValues(CanaryResponseRef.class, registry);
        this.canaryObservation = AvroSerde.forValues(CanaryObservation.class, registry);
        this.canaryState = AvroSerde.forValues(CanaryState.class, registry);
    }

    /** The state store builders. */
    public StateStores stores() {
        return stores;
    }

    public Topics topics() {
        return topics;
    }

    public Serde<ResponseSnapshot> responseSnapshot() {
        return responseSnapshot;
    }

    public Serde<KtoResponseState> ktoResponseState() {
        return ktoResponseState;
    }

    public Serde<KtoDecision> ktoDecision() {
        return ktoDecision;
    }

    public Serde<DerivedPromptState> derivedPromptState() {
        return derivedPromptState;
    }

    public Serde<PendingPreference> pendingPreference() {
        return pendingPreference;
    }

    public Serde<RolloutGroup> rolloutGroup() {
        return rolloutGroup;
    }

    public Serde<PromptSnapshot> promptSnapshot() {
        return promptSnapshot;
    }

    public Serde<MonitorEvent> monitorEvent() {
        return monitorEvent;
    }

    /** The monitor events topic named {@code name}, keyed by policy version. */
    public Topic<String, MonitorEvent> monitorEvents(String name) {
        return new Topic<>(name, Serdes.String(), monitorEvent);
    }

    public Serde<VersionMinuteStats> versionMinuteStats() {
        return versionMinuteStats;
    }

    public Serde<CanaryResponseRef> canaryResponseRef() {
        return canaryResponseRef;
    }

    public Serde<CanaryObservation> canaryObservation() {
        return canaryObservation;
    }

    public Serde<CanaryState> canaryState() {
        return canaryState;
    }
}
