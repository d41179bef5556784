package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The version monitor's HTTP contract, shared by the server (streams) and its readers (the dashboard): the paths,
 * the SSE event name and the one JSON mapping of the documents in this package.
 *
 * <p>Evolution rule, the JSON twin of the Avro rule: changes are additive only. A newer monitor may add a field;
 * a reader ignores fields it does not know, so an older dashboard keeps working against a newer monitor. Every
 * field of the records here is required and a missing one fails the read, so a renamed or dropped field is caught
 * on the first request, never read as zero. A field added later is declared without {@code required}, nullable,
 * and readers treat its absence as "not reported". Renaming or removing a field, or changing its unit, needs new
 * paths.
 */
public final class MonitorContract {

    /** Per-version totals: {@link VersionsDocument}. Query: {@code from}/{@code to} (epoch ms) or {@code minutes}. */
    public static final String VERSIONS_PATH = "/monitor/versions";
    /** Per-version, per-minute rows: {@link MinutesDocument}. Same query, plus {@code version}. */
    public static final String MINUTES_PATH = "/monitor/minutes";
    /** Server-Sent Events; each {@value #VERSIONS_EVENT} message's data is a {@link VersionsEvent}. */
    public static final String EVENTS_PATH = "/monitor/events";
    /** The SSE event name of a {@link VersionsEvent}. */
    public static final String VERSIONS_EVENT = "versions";

    private MonitorContract() {}

    /**
     * A mapper that writes and reads the documents by the rule above: unknown fields ignored, missing required
     * fields and nulls in numeric fields rejected.
     */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }
}
