package io.streamrlhf.streams.common;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;

/**
 * Runs a processor that forwards {@link Emission}s and sends each one, unwrapped, straight to the nodes for its
 * kind: data to every child of this node except the two pass-through nodes {@link Emissions#MONITOR} and
 * {@link Emissions#DEAD} after the node's name, which take the monitor events and the dead letters. One forward per
 * emission and consumer, where a split into branches took three (split, branch, unwrap) and a pass-through node for
 * the data one more: Kafka Streams copies the record and its headers and records metrics at every node. Monitor
 * events and dead letters that no node consumes (a topology built without the monitor) are not forwarded at all. The
 * wrapped processor sees a context that is the real one except for where forwards go, so it still needs no child
 * names.
 *
 * <p>The children, and whether the two pass-through nodes have children of their own, are read once, at
 * {@code init}, from the node Kafka Streams is initialising ({@code InternalProcessorContext.currentNode()}, internal
 * to Kafka Streams: the Kafka version is pinned, and {@code EmissionsTest} fails if this stops working).
 *
 * @param <K> the input key type
 * @param <V> the input value type
 * @param <T> the data type
 */
final class EmissionRouter<K, V, T> implements Processor<K, V, Object, Object> {

    private final Processor<K, V, String, Emission<T>> delegate;
    private final String monitorChild;
    private final String deadChild;
    private List<String> dataChildren = List.of();
    /**
     * Whether anything consumes the monitor events and the dead letters: a forward into a node that leads nowhere is
     * skipped (a topology built without the monitor leaves its {@link Emissions#MONITOR} nodes unconsumed).
     */
    private boolean monitorConsumed;
    private boolean deadConsumed;

    EmissionRouter(Processor<K, V, String, Emission<T>> delegate, String name) {
        this.delegate = delegate;
        this.monitorChild = name + Emissions.MONITOR;
        this.deadChild = name + Emissions.DEAD;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        readChildren(context);
        delegate.init(new RoutingContext(context));
    }

    /** Sets where each kind of emission goes, from this node's children. */
    private void readChildren(ProcessorContext<Object, Object> context) {
        if (!(context instanceof InternalProcessorContext<?, ?> internal) || internal.currentNode() == null) {
            throw new IllegalStateException("An emitting processor runs inside Kafka Streams, which names its "
                    + "children; got a " + context.getClass().getName());
        }
        List<String> names = new ArrayList<>();
        for (ProcessorNode<?, ?, ?, ?> child : internal.currentNode().children()) {
            if (child.name().equals(monitorChild)) {
                monitorConsumed = !child.children().isEmpty();
            } else if (child.name().equals(deadChild)) {
                deadConsumed = !child.children().isEmpty();
            } else {
                names.add(child.name());
            }
        }
        dataChildren = List.copyOf(names);
    }

    @Override
    public void process(Record<K, V> record) {
        delegate.process(record);
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** The real context, with forwards routed by kind. */
    private final class RoutingContext implements ProcessorContext<String, Emission<T>> {

        private final ProcessorContext<Object, Object> context;

        RoutingContext(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public <K1 extends String, V1 extends Emission<T>> void forward(Record<K1, V1> record) {
            Emission<T> emission = record.value();
            if (emission instanceof Emission.Data<T> data) {
                if (!dataChildren.isEmpty()) {
                    Record<K1, T> out = record.withValue(data.value());
                    for (String child : dataChildren) {
                        context.forward(out, child);
                    }
                }
            } else if (emission instanceof Emission.Monitor<T> monitor) {
                if (monitorConsumed) {
                    context.forward(record.withValue(monitor.event()), monitorChild);
                }
            } else if (emission instanceof Emission.Dead<T> dead) {
                if (deadConsumed) {
                    context.forward(new Record<>(dead.key(), dead.letter(), record.timestamp(), record.headers()),
                            deadChild);
                }
            } else {
                throw new IllegalArgumentException("Not an emission: " + emission);
            }
        }

        @Override
        public <K1 extends String, V1 extends Emission<T>> void forward(Record<K1, V1> record, String childName) {
            throw new UnsupportedOperationException("An emitting processor forwards by kind, not to child "
                    + childName);
        }

        @Override
        public String applicationId() {
            return context.applicationId();
        }

        @Override
        public TaskId taskId() {
            return context.taskId();
        }

        @Override
        public Optional<RecordMetadata> recordMetadata() {
            return context.recordMetadata();
        }

        @Override
        public Serde<?> keySerde() {
            return context.keySerde();
        }

        @Override
        public Serde<?> valueSerde() {
            return context.valueSerde();
        }

        @Override
        public File stateDir() {
            return context.stateDir();
        }

        @Override
        public StreamsMetrics metrics() {
            return context.metrics();
        }

        @Override
        public <S extends StateStore> S getStateStore(String name) {
            return context.getStateStore(name);
        }

        @Override
        public Cancellable schedule(Duration interval, PunctuationType type, Punctuator callback) {
            return context.schedule(interval, type, callback);
        }

        @Override
        public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type,
                                    Punctuator callback) {
            return context.schedule(startTime, interval, type, callback);
        }

        @Override
        public void commit() {
            context.commit();
        }

        @Override
        public Map<String, Object> appConfigs() {
            return context.appConfigs();
        }

        @Override
        public Map<String, Object> appConfigsWithPrefix(String prefix) {
            return context.appConfigsWithPrefix(prefix);
        }

        @Override
        public long currentSystemTimeMs() {
            return context.currentSystemTimeMs();
        }

        @Override
        public long currentStreamTimeMs() {
            return context.currentStreamTimeMs();
        }
    }
}
