/** The online training loop: admission, buffering, training steps and exactly-once publishing of versions. */
package io.streamrlhf.trainer.loop;
