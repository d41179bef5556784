/*
 * Lets the Intel MKL inside DJL's bundled libtorch pick its kernels from the CPU's feature flags on AMD CPUs too.
 *
 * MKL chooses its fastest code paths (AVX-512 among them) only after mkl_serv_intel_cpu_true() says the CPU is an
 * Intel one; on AMD it falls back to slower paths even where the CPU has every instruction those kernels use. The
 * libtorch_cpu.so in pytorch-native-cpu 2.7.1 exports that function, so preloading this library in front of it
 * (LD_PRELOAD) makes MKL dispatch on features alone. On this project's AMD EPYC (Zen 5) build machine it raised
 * DJL's fp32 matmul from 72 to 121 GFLOP/s on one thread and from 119 to 231 on two.
 *
 * Built and preloaded by trainer/bench/mkl-shim.sh (used by ./streamrlhf and the trainer benchmark); nothing
 * changes on Intel CPUs, where the answer was already 1.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
