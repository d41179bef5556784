/**
 * The rollout sampler: follows published policy versions, samples completions for prompts and writes them as
 * rollouts.
 */
package io.streamrlhf.producers.sampler;
