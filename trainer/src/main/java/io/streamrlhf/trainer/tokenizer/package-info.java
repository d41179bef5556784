/** Tokenizers: text to token ids and back. */
package io.streamrlhf.trainer.tokenizer;
