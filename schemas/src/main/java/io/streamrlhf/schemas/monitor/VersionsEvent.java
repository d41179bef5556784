package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The data of one {@code event: versions} message on {@code GET /monitor/events}: the same rows as
 * {@link VersionsDocument}, sent whenever they change.
 *
 * @param time when the monitor read them, epoch ms (the monitor's clock)
 * @param versions one row per version, by version ascending
 */
public record VersionsEvent(
        @JsonProperty(required = true) long time,
        @JsonProperty(required = true) List<VersionStats> versions) {

    /** Copies the list; a null list is a broken message. */
    public VersionsEvent {
        versions = List.copyOf(versions);
    }
}
