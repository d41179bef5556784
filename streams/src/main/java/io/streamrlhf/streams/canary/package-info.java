/**
 * Canary versions: the anytime-valid sequential test that compares a canary policy version with the promoted one
 * ({@link io.streamrlhf.streams.canary.SequentialCanaryTest}), and the controller topology that runs it on live
 * feedback and judge verdicts and writes each decision to the decisions topic.
 */
package io.streamrlhf.streams.canary;
