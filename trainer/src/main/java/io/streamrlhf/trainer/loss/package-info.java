/**
 * Preference losses as pure functions over per-sequence log-probabilities (DPO and variants, IPO, KTO, SimPO, ORPO).
 */
package io.streamrlhf.trainer.loss;
