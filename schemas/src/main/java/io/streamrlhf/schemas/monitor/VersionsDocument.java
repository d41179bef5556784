package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code GET /monitor/versions}: per policy version, the sum of its minutes in the asked range.
 *
 * @param versions one row per version, by version ascending
 */
public record VersionsDocument(
        @JsonProperty(required = true) List<VersionStats> versions) {

    /** Copies the list; a null list is a broken document. */
    public VersionsDocument {
        versions = List.copyOf(versions);
    }
}
