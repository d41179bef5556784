/**
 * Generation: the one KV-cache decode loop and the logits processors (suppressed tokens, temperature, top-p) that turn
 * sampling settings into a token choice, as Hugging Face chains them.
 */
package io.streamrlhf.trainer.generate;
