/** Batches: examples as the trainer sees them, and the collator that tokenizes and pads them. */
package io.streamrlhf.trainer.batch;
