/** The AdamW optimizer and its state. */
package io.streamrlhf.trainer.optim;
