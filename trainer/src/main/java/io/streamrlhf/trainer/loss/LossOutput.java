package io.streamrlhf.trainer.loss;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * A scalar loss to back-propagate plus TRL-style metrics ({@code rewards/chosen},
 * {@code rewards/margins}, {@code kl}, ...) already on the host.
 */
public record LossOutput(NDArray loss, Map<String, Double> metrics) {}
