/** Checkpoints of weights and optimizer state: the format, the store and its integrity checks. */
package io.streamrlhf.trainer.checkpoint;
