/** The DPO-pair topology: explicit A/B choices, derived pairs from opposite labels, and judged rollouts. */
package io.streamrlhf.streams.dpo;
