package io.streamrlhf.streams.kto;

import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.config.KtoConfig;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Applies the per-user cap to decided examples (input keyed by user id): the first {@code kto.user.labels.per.hour}
 * new examples of a user in an hour of stream time count; later ones are emitted with weight 0 and
 * {@code capped=true} (and counted by the monitor) rather than dropped, so nothing is lost silently. Corrections of
 * an example follow the fate of its first emission: a capped example stays at weight 0.
 */
public final class UserCapProcessor implements FixedKeyProcessor<String, KtoDecision, KtoDecision> {

    /** Counts per user per hour. */
    public static final String COUNTS_STORE = "kto-user-hour-counts";
    /** Whether each example id counted toward its user's cap. */
    public static final String LEDGER_STORE = "kto-cap-ledger";
    /** Width of a cap bucket. */
    public static final Duration HOUR = Duration.ofHours(1);

    private final KtoConfig config;
    private FixedKeyProcessorContext<String, KtoDecision> context;
    private WindowStore<String, Long> counts;
    private WindowStore<String, Boolean> ledger;

    public UserCapProcessor(KtoConfig config) {
        this.config = config;
    }

    /** How long the ledger remembers an example: as long as a vote on it can still change. */
    public static Duration ledgerRetention(KtoConfig config) {
        return config.responseRetention().plus(config.settleDelay()).plus(HOUR);
    }

    @Override
    public void init(FixedKeyProcessorContext<String, KtoDecision> context) {
        this.context = context;
        this.counts = context.getStateStore(COUNTS_STORE);
        this.ledger = context.getStateStore(LEDGER_STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, KtoDecision> record) {
        KtoDecision d = record.value();
        if (config.userLabelsPerHour() == 0) {
            context.forward(record);
            return;
        }
        long now = record.timestamp();
        Boolean counted = ledgerEntry(d.getExampleId(), now);
        if (counted == null) {
            long hour = now - Math.floorMod(now, HOUR.toMillis());
            Long current = counts.fetch(d.getUserId(), hour);
            long used = current == null ? 0 : current;
            counted = used < config.userLabelsPerHour();
            if (counted) {
                counts.put(d.getUserId(), used + 1, hour);
            }
            ledger.put(d.getExampleId(), counted, now);
        }
        if (!counted) {
            d.setWeight(0.0);
            d.setCapped(true);
        }
        context.forward(record.withValue(d));
    }

    private Boolean ledgerEntry(String exampleId, long now) {
        try (WindowStoreIterator<Boolean> it =
                ledger.fetch(exampleId, now - ledgerRetention(config).toMillis(), Long.MAX_VALUE)) {
            return it.hasNext() ? it.next().value : null;
        }
    }
}
