/** The policy model: a decoder-only transformer on DJL with the PyTorch engine, and its frozen reference. */
package io.streamrlhf.trainer.model;
