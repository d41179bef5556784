package io.streamrlhf.trainer.optim;

import java.util.Map;

/**
 * AdamW state on the host: steps taken and the first and second moments by parameter name.
 */
public record OptimizerState(long step, Map<String, float[]> firstMoments, Map<String, float[]> secondMoments) {}
