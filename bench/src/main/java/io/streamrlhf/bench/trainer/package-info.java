/** Benchmarks of the trainer: a DPO step against PyTorch eager, KV-cache generation, and a device probe. */
package io.streamrlhf.bench.trainer;
