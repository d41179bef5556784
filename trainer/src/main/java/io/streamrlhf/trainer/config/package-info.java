/** Typed settings of the trainer: model, optimizer, sources, staleness. */
package io.streamrlhf.trainer.config;
