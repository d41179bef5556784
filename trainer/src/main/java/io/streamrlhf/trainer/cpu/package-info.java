/** CPU-specific speed-ups of the trainer: the MKL dispatch shim that lets libtorch pick its fast kernels on AMD CPUs. */
package io.streamrlhf.trainer.cpu;
