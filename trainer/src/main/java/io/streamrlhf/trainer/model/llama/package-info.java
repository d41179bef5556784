/** The Llama-family decoder (Llama, Llama 3, Mistral, Qwen2, Qwen3) on DJL NDArrays, loaded from Hugging Face. */
package io.streamrlhf.trainer.model.llama;
