package io.streamrlhf.bench.streams;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.config.StateStoreType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Benchmark floors below the KTO topology: the least an exactly-once KTO join must do per feedback event, with none
 * of the topology's rules (no validation, dead letters, votes, duplicate feedback, expiry, schedule).
 *
 * <ul>
 *   <li>{@link #avroOnly}: decodes both records with the Avro deserializers and writes one {@code KtoExample} per
 *       response, made from the response alone (no state, no join): what Avro decoding and encoding cost.</li>
 *   <li>{@link #minimalJoin}: decodes both records, keeps each response's bytes as they came in a changelogged
 *       key-value store (no serialization on the way in, one changelog record per response, no record cache), and
 *       for each feedback reads its response back, decodes it and writes the {@code KtoExample} (feedback that
 *       comes first waits in the store for its response, as the topology's early feedback does): one example per
 *       feedback event, as the KTO topology writes, but with a plain {@code responseId/userId} example id and only
 *       the feedback's offset as lineage.</li>
 *   <li>{@link #minimalJoin} with {@code logged=false}: the same without the changelog record. Not fault-tolerant
 *       as it stands, but it costs what a join costs whose response store takes the responses topic itself as its
 *       changelog (as Kafka Streams does for a table read from a topic): nothing is written for a response.</li>
 *   <li>{@link #ruleFloor}: the minimal join that also writes its state a second time for each feedback it joins:
 *       the response's stored bytes with {@value #VOTE_BYTES} bytes standing for the vote, {@code put} into the same
 *       store under the same key, so one more changelog record per feedback. Any topology obeying the KTO rules
 *       writes that record (the vote must be durable before the commit: a later feedback of the same user corrects
 *       against it, a redelivered feedback id is dropped by it, the vote bound counts it, erasure cancels by it), and
 *       the public Processor API has no hook before a commit that would merge it with the response's record. Its
 *       rate over the minimal join's is the most a rule-abiding KTO topology can reach with public APIs. Nothing
 *       else differs from the minimal join.</li>
 * </ul>
 * None is a product: they answer how far from these floors the topology is, and where the floors lie on this
 * machine against the plain passthrough.
 */
final class FloorTopology {

    static final String STORE = "floor-responses";
    /** Key prefix of feedback that came before its response (Kafka Streams may take either topic first). */
    private static final String EARLY = "~";
    /** Bytes standing for the vote in {@link #ruleFloor}'s second write: a label byte and the voter's hash. */
    static final int VOTE_BYTES = 5;

    private FloorTopology() {}

    static Topology avroOnly(Topics topics) {
        return build(topics, null, false, false, false);
    }

    static Topology minimalJoin(Topics topics, StateStoreType type, boolean logged) {
        return build(topics, type, true, logged, false);
    }

    /** The minimal join (changelogged) with the second state write per feedback that the KTO rules need. */
    static Topology ruleFloor(Topics topics, StateStoreType type) {
        return build(topics, type, true, true, true);
    }

    private static Topology build(Topics topics, StateStoreType type, boolean join, boolean logged, boolean voteWrite) {
        StreamsBuilder builder = new StreamsBuilder();
        String[] stores = new String[0];
        if (join) {
            StoreBuilder<KeyValueStore<String, byte[]>> store = Stores.keyValueStoreBuilder(
                    type == StateStoreType.ROCKSDB
                            ? Stores.persistentKeyValueStore(STORE)
                            : Stores.inMemoryKeyValueStore(STORE),
                    Serdes.String(),
                    Serdes.ByteArray());
            builder.addStateStore(logged ? store : store.withLoggingDisabled());
            stores = new String[] {STORE};
        }
        builder.stream(
                        List.of(topics.responses().name(), topics.feedback().name()),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor-source"))
                .process(() -> new FloorProcessor(topics, join, voteWrite), Named.as("floor-join"), stores)
                .to(
                        topics.ktoExamples().name(),
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor-sink"));
        return builder.build();
    }

    private static final class FloorProcessor implements Processor<byte[], byte[], byte[], byte[]> {

        private final Topics topics;
        private final boolean join;
        private final boolean voteWrite;
        private final Deserializer<ResponseGenerated> responses;
        private final Deserializer<Feedback> feedback;
        private final Serializer<KtoExample> examples;
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<String, byte[]> store;

        FloorProcessor(Topics topics, boolean join, boolean voteWrite) {
            this.topics = topics;
            this.join = join;
            this.voteWrite = voteWrite;
            this.responses = topics.responses().valueSerde().deserializer();
            this.feedback = topics.feedback().valueSerde().deserializer();
            this.examples = topics.ktoExamples().valueSerde().serializer();
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            if (join) {
                this.store = context.getStateStore(STORE);
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            RecordMetadata at = context.recordMetadata().orElseThrow();
            if (at.topic().equals(topics.responses().name())) {
                ResponseGenerated r = responses.deserialize(at.topic(), record.value());
                if (join) {
                    store.put(r.getResponseId(), record.value());
                    byte[] early = store.get(EARLY + r.getResponseId());
                    if (early != null) {
                        store.delete(EARLY + r.getResponseId());
                        emit(r, feedback.deserialize(topics.feedback().name(), early), at, record);
                    }
                } else {
                    emit(r, null, at, record);
                }
            } else {
                Feedback f = feedback.deserialize(at.topic(), record.value());
                if (join) {
                    byte[] raw = store.get(f.getResponseId());
                    if (raw != null) {
                        emit(responses.deserialize(topics.responses().name(), responseBytes(raw)), f, at, record);
                        if (voteWrite) {
                            store.put(f.getResponseId(), withVote(raw, f));
                        }
                    } else {
                        store.put(EARLY + f.getResponseId(), record.value());
                    }
                }
            }
        }

        /**
         * The response's bytes and {@link #VOTE_BYTES} more for the vote (appended to the votes already there): what
         * the KTO state's second record per feedback holds at the least.
         */
        private static byte[] withVote(byte[] stored, Feedback f) {
            byte[] out = Arrays.copyOf(stored, stored.length + VOTE_BYTES);
            // The vote count takes the place of the wire format's magic byte (0): see responseBytes.
            out[0] = (byte) (stored[0] + 1);
            out[stored.length] = (byte) (f.getKind() == FeedbackKind.THUMBS_UP ? 1 : 0);
            int voter = f.getUserId().hashCode();
            out[stored.length + 1] = (byte) (voter >>> 24);
            out[stored.length + 2] = (byte) (voter >>> 16);
            out[stored.length + 3] = (byte) (voter >>> 8);
            out[stored.length + 4] = (byte) voter;
            return out;
        }

        /**
         * The response's Avro bytes of a stored value: as stored, or without the votes that feedback appended (their
         * count in the first byte, where the response's bytes have the wire format's magic byte 0). Each response is
         * joined once in the benchmark, so this copy is never made in a timed run.
         */
        private static byte[] responseBytes(byte[] stored) {
            int votes = stored[0] & 0xff;
            if (votes == 0) {
                return stored;
            }
            byte[] out = Arrays.copyOf(stored, stored.length - votes * VOTE_BYTES);
            out[0] = 0;
            return out;
        }

        private void emit(ResponseGenerated r, Feedback f, RecordMetadata at, Record<byte[], byte[]> record) {
            String user = f == null ? "" : f.getUserId();
            String exampleId = r.getResponseId() + "/" + user;
            List<OffsetRange> offsets = new ArrayList<>(1);
            offsets.add(new OffsetRange(at.topic(), at.partition(), at.offset(), at.offset()));
            KtoExample e = new KtoExample();
            e.setExampleId(exampleId);
            e.setResponseId(r.getResponseId());
            e.setUserId(user);
            e.setPrompt(r.getPrompt());
            e.setCompletion(r.getCompletion());
            e.setLabel(f == null || f.getKind() == FeedbackKind.THUMBS_UP);
            e.setWeight(1.0);
            e.setCorrection(false);
            e.setPolicyVersion(r.getPolicyVersion());
            e.setResponseTime(r.getEventTime());
            e.setFeedbackTime(f == null ? r.getEventTime() : f.getEventTime());
            e.setSourceOffsets(offsets);
            e.setTruncated(r.getTruncated());
            context.forward(record.withKey(exampleId.getBytes(StandardCharsets.UTF_8))
                    .withValue(examples.serialize(topics.ktoExamples().name(), e)));
        }
    }
}
