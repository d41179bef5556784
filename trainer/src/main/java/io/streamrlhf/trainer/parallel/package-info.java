/** Data parallelism: one gradient step over replicas of the model on several devices. */
package io.streamrlhf.trainer.parallel;
