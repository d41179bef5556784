package io.streamrlhf.streams.common;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
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

/**
 * Runs a processor that forwards {@link Emission}s and sends each one, unwrapped, to the named child node of its kind
 * with {@link ProcessorContext#forward(Record, String)}: one forward per emission, where a split into branches took
 * three (split, branch, unwrap), as Kafka Streams copies the record and records metrics at every node. A kind whose
 * node the topology left out (nobody asked {@link Emissions} for its stream) is dropped here. The wrapped processor
 * sees a context that is the real one except for where forwards go, so it needs no child names. Public Processor API
 * only: which child nodes exist is decided while the topology is built ({@link Routes}), not read from Kafka Streams'
 * runtime nodes.
 *
 * @param <K> the input key type
 * @param <V> the input value type
 * @param <T> the data type
 */
final class EmissionRouter<K, V, T> implements Processor<K, V, Object, Object> {

    /**
     * The child node of each kind and whether the topology has it; filled in while the topology is built, read when
     * its tasks start.
     */
    static final class Routes {
        final String dataChild;
        final String monitorChild;
        final String deadChild;
        boolean data;
        boolean monitor;
        boolean dead;

        Routes(String dataChild, String monitorChild, String deadChild) {
            this.dataChild = dataChild;
            this.monitorChild = monitorChild;
            this.deadChild = deadChild;
        }
    }

    private final Processor<K, V, String, Emission<T>> delegate;
    private final Routes routes;
    // Copied at init, when the topology is built, so the per-record path reads this object's own fields.
    private boolean data;
    private boolean monitor;
    private boolean dead;

    EmissionRouter(Processor<K, V, String, Emission<T>> delegate, Routes routes) {
        this.delegate = delegate;
        this.routes = routes;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        data = routes.data;
        monitor = routes.monitor;
        dead = routes.dead;
        delegate.init(new RoutingContext(context));
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
    private final class RoutingContext implements ProcessorContext<String, Emission<T>>, Emission.Routing {

        private final ProcessorContext<Object, Object> context;

        RoutingContext(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public boolean monitored() {
            return monitor;
        }

        @Override
        public <K1 extends String, V1 extends Emission<T>> void forward(Record<K1, V1> record) {
            Emission<T> emission = record.value();
            if (emission instanceof Emission.Data<T> d) {
                if (data) {
                    context.forward(record.withValue(d.value()), routes.dataChild);
                }
            } else if (emission instanceof Emission.Monitor<T> m) {
                if (monitor) {
                    context.forward(record.withValue(m.event()), routes.monitorChild);
                }
            } else if (emission instanceof Emission.Dead<T> letter) {
                if (dead) {
                    context.forward(
                            new Record<>(letter.key(), letter.letter(), record.timestamp(), record.headers()),
                            routes.deadChild);
                }
            } else {
                throw new IllegalArgumentException("Not an emission: " + emission);
            }
        }

        @Override
        public <K1 extends String, V1 extends Emission<T>> void forward(Record<K1, V1> record, String childName) {
            throw new UnsupportedOperationException(
                    "An emitting processor forwards by kind, not to child " + childName);
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
        public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type, Punctuator callback) {
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
