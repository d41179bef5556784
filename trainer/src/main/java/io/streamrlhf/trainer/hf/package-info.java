/**
 * Reading (and, for tests and exports, writing) Hugging Face model directories: {@code config.json} as a typed
 * {@link io.streamrlhf.trainer.hf.HfModelConfig} and weights in the safetensors format, single-file or sharded.
 */
package io.streamrlhf.trainer.hf;
