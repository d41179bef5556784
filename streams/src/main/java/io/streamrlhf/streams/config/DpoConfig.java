package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Map;

/**
 * Thresholds of the DPO pair topology.
 *
 * @param derivedWindow labels on one prompt pair up only when both fall within this window.
 *                      Property {@code dpo.derived.window}, default 1h
 * @param derivedPairsPerPrompt at most this many derived pairs per prompt. Property {@code dpo.derived.pairs.per.prompt},
 *                              default 4
 * @param preferenceBuffer how long an explicit preference waits for its two responses before it is dead-lettered.
 *                         Property {@code dpo.preference.buffer}, default 10m
 * @param responseRetention how long responses are kept for explicit preferences. Property
 *                          {@code dpo.response.retention}, default 7d
 * @param rolloutGroupSize K: a rollout group is judged once K rollouts of one prompt and policy version arrived.
 *                         Property {@code dpo.rollout.group.size}, default 4
 * @param rolloutWindow or once this much stream time passed since its first rollout. Property
 *                      {@code dpo.rollout.window}, default 60s
 * @param rho length-control slack in [0, 1]: chosen is the shortest passing rollout with
 *            score >= (1-rho)*best + rho*worst. Property {@code dpo.rho}, default 0.1
 * @param pairTies whether a judged group whose rejected rollout passes every judge with the chosen one's score
 *                 still makes a pair (chosen the shorter one, by the length control of {@code rho}). Property
 *                 {@code dpo.pair.ties}, default true
 * @param punctuateInterval how often (stream time) windows are closed and state swept. Property
 *                          {@code dpo.punctuate.interval}, default 1s
 * @param derivedResponsesPerPrompt labelled responses one prompt keeps for derived pairs within
 *                                  {@code dpo.derived.window}; a label on one more response is dead-lettered as
 *                                  {@code PROMPT_STATE_LIMIT}. Property {@code dpo.derived.responses.per.prompt},
 *                                  default 100
 * @param maxStateBytes bytes of one prompt's derived-pair state and of one rollout group (key plus serialized value)
 *                      in the store and its changelog; the label or rollout that would make it larger is
 *                      dead-lettered as {@code PROMPT_STATE_LIMIT} or {@code ROLLOUT_GROUP_LIMIT}. At most
 *                      {@value KtoConfig#MAX_STATE_BYTES_LIMIT}. Property {@code dpo.max.state.bytes}, default 524288
 *                      (512 KiB)
 */
public record DpoConfig(
        Duration derivedWindow,
        int derivedPairsPerPrompt,
        Duration preferenceBuffer,
        Duration responseRetention,
        int rolloutGroupSize,
        Duration rolloutWindow,
        double rho,
        boolean pairTies,
        Duration punctuateInterval,
        int derivedResponsesPerPrompt,
        int maxStateBytes) {

    public DpoConfig {
        Durations.requirePositive("dpo.derived.window", derivedWindow);
        Durations.requirePositive("dpo.preference.buffer", preferenceBuffer);
        Durations.requirePositive("dpo.response.retention", responseRetention);
        Durations.requirePositive("dpo.rollout.window", rolloutWindow);
        Durations.requirePositive("dpo.punctuate.interval", punctuateInterval);
        if (derivedPairsPerPrompt < 1) {
            throw new IllegalArgumentException(
                    "dpo.derived.pairs.per.prompt must be >= 1, got " + derivedPairsPerPrompt);
        }
        if (rolloutGroupSize < 2) {
            throw new IllegalArgumentException(
                    "dpo.rollout.group.size must be >= 2 (a pair needs two rollouts), got " + rolloutGroupSize);
        }
        if (derivedResponsesPerPrompt < 2) {
            throw new IllegalArgumentException("dpo.derived.responses.per.prompt must be >= 2 (a pair needs two "
                    + "responses), got " + derivedResponsesPerPrompt);
        }
        if (maxStateBytes < 4096 || maxStateBytes > KtoConfig.MAX_STATE_BYTES_LIMIT) {
            throw new IllegalArgumentException("dpo.max.state.bytes must be within [4096, "
                    + KtoConfig.MAX_STATE_BYTES_LIMIT
                    + "] (a larger changelog record fails Kafka's default 1 MiB limit), got " + maxStateBytes);
        }
        if (!(rho >= 0.0 && rho <= 1.0)) {
            throw new IllegalArgumentException("dpo.rho must be within [0, 1], got " + rho);
        }
    }

    /** The documented defaults. */
    public static DpoConfig defaults() {
        return new DpoConfig(
                Duration.ofHours(1),
                4,
                Duration.ofMinutes(10),
                Duration.ofDays(7),
                4,
                Duration.ofSeconds(60),
                0.1,
                true,
                Duration.ofSeconds(1),
                100,
                512 << 10);
    }

    /** The defaults overridden by {@code dpo.*} keys. */
    public static DpoConfig fromProperties(Map<String, String> properties) {
        return new DpoConfig(
                StreamsKeys.DPO_DERIVED_WINDOW.get(properties),
                StreamsKeys.DPO_DERIVED_PAIRS_PER_PROMPT.get(properties),
                StreamsKeys.DPO_PREFERENCE_BUFFER.get(properties),
                StreamsKeys.DPO_RESPONSE_RETENTION.get(properties),
                StreamsKeys.DPO_ROLLOUT_GROUP_SIZE.get(properties),
                StreamsKeys.DPO_ROLLOUT_WINDOW.get(properties),
                StreamsKeys.DPO_RHO.get(properties),
                StreamsKeys.DPO_PAIR_TIES.get(properties),
                StreamsKeys.DPO_PUNCTUATE_INTERVAL.get(properties),
                StreamsKeys.DPO_DERIVED_RESPONSES_PER_PROMPT.get(properties),
                StreamsKeys.DPO_MAX_STATE_BYTES.get(properties));
    }
}
