/** Supervised fine-tuning of version 0 on a prompt-completion corpus (the warm start). */
package io.streamrlhf.trainer.sft;
