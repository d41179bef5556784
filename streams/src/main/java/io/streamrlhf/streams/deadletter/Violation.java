package io.streamrlhf.streams.deadletter;

/**
 * A validation rule a decoded record broke.
 *
 * @param reason the rule
 * @param detail what exactly was wrong
 * @param policyVersion the record's policy version where it has one, else -1 (for the monitor)
 */
public record Violation(DeadLetterReason reason, String detail, long policyVersion) {}
