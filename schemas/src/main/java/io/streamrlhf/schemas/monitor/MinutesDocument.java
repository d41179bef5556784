package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code GET /monitor/minutes}: one row per (policy version, minute of event time) in the asked range.
 *
 * @param minutes rows by minute ({@link VersionStats#from}), then version
 */
public record MinutesDocument(@JsonProperty(required = true) List<VersionStats> minutes) {

    /** Copies the list; a null list is a broken document. */
    public MinutesDocument {
        minutes = List.copyOf(minutes);
    }
}
