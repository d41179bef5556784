package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of a monitor answer other than 200: 503 while the store is rebalancing or restoring, 400 for a bad
 * query parameter.
 *
 * @param error what went wrong, for people
 */
public record ErrorDocument(@JsonProperty(required = true) String error) {}
