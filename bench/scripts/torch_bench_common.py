"""Setup shared by the PyTorch sides of the trainer benchmarks (lora_dpo_step_torch.py, dpo_step_torch.py): thread
settings, the optimizer as the trainer configures it, version and BLAS reporting, the matmul probe and the kernel
counters of this process.

Threads on Debian's torch 1.13: ATen's intra-op pool is OpenMP (libgomp) and the BLAS under torch.mm is OpenBLAS's
pthread build, which keeps a pool of its own sized by OPENBLAS_NUM_THREADS when the library loads. The two pools do
not know of each other: with both at N on N cores, libgomp's workers spin-wait after each parallel element-wise op
while OpenBLAS's threads compute the next product (and the other way round), so the process burns about twice the
CPU time of its wall time for no speed. `thread_plan` gives each pool its share of a thread budget and `set_threads`
applies it; OPENBLAS_NUM_THREADS must be in the environment before torch is imported (the benchmark's parent sets it),
and openblas_set_num_threads is called as well so the plan holds even when it is not.
"""
import ctypes
import os
import re
import time

import torch

# What each plan gives ATen's OpenMP pool and OpenBLAS for a budget of n threads.
PLANS = {
    # Products on every core (OpenBLAS), element-wise ops on one: no two pools busy at once.
    "blas": lambda n: (1, n),
    # Element-wise ops on every core, products on one.
    "intra": lambda n: (n, 1),
    # Both pools at n, as torch and OpenBLAS set themselves by default on n cores.
    "both": lambda n: (n, n),
}


def thread_plan(name, threads):
    """(intra-op threads, OpenBLAS threads) of plan `name` for a budget of `threads`."""
    if name not in PLANS:
        raise ValueError("unknown thread plan %s (%s)" % (name, ", ".join(PLANS)))
    return PLANS[name](threads)


def openblas():
    """The loaded OpenBLAS library (ctypes), or None."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f
                       if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    for lib in libs:
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_config.restype = ctypes.c_char_p
            so.openblas_get_num_threads()
            return lib, so
        except (OSError, AttributeError):
            continue
    return None, None


def set_threads(intra, blas):
    """ATen's intra-op threads, one inter-op thread, and OpenBLAS's threads."""
    torch.set_num_threads(intra)
    torch.set_num_interop_threads(1)
    _, so = openblas()
    if so is not None:
        so.openblas_set_num_threads(blas)


def adamw(params, lr, weight_decay=0.01):
    """torch.optim.AdamW with the trainer's defaults (betas 0.9/0.999, eps 1e-8)."""
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)


def engine():
    return "PyTorch %s (eager)" % torch.__version__


def blas_info():
    """torch's BLAS as its build reports it, and OpenBLAS's own thread count and config when it is loaded."""
    show = torch.__config__.show()
    blas = re.findall(r"\b((?:BLAS|LAPACK)_INFO=[^,\s]+)", show)
    out = {"torch_blas": ", ".join(blas) or "not reported"}
    lib, so = openblas()
    if so is not None:
        out["openblas_library"] = lib
        out["openblas_config"] = so.openblas_get_config().decode()
        out["openblas_threads"] = so.openblas_get_num_threads()
        try:
            so.openblas_get_corename.restype = ctypes.c_char_p
            out["openblas_core"] = so.openblas_get_corename().decode()
        except AttributeError:
            pass
    return out


def thread_report():
    """Threads, environment and plan as they are now, for the RESULT line."""
    env_keys = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY",
                "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    out = {
        "engine": engine(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "env": {k: os.environ.get(k) for k in env_keys},
    }
    out.update(blas_info())
    return out


def best_matmul_gflops(sizes):
    """The best fp32 (n, n) @ (n, n) rate over `sizes`, in GFLOP/s."""
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n)
        b = torch.randn(n, n)
        for _ in range(2):
            a @ b
        reps = max(3, int(2e9 / (2 * n ** 3)))
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        seconds = time.perf_counter() - start
        best = max(best, 2 * n ** 3 * reps / seconds / 1e9)
    return best


def vm_hwm_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


TICKS = os.sysconf("SC_CLK_TCK")


def process_counters():
    """As io.streamrlhf.bench.trainer.ProcessCounters reads them: user/system CPU seconds (every thread), minor and
    major page faults, voluntary and involuntary context switches and the seconds spent runnable but waiting for a
    core (the scheduler's schedstat), summed over the live threads; and the calling thread's own schedstat (seconds
    it ran and waited for a core: the rest of its wall time it slept)."""
    with open("/proc/self/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    out = {
        "user_s": int(fields[11]) / TICKS,
        "sys_s": int(fields[12]) / TICKS,
        "minor_faults": int(fields[7]),
        "major_faults": int(fields[9]),
        "voluntary_switches": 0,
        "involuntary_switches": 0,
        "runqueue_wait_s": 0.0,
    }
    with open("/proc/thread-self/schedstat") as f:
        ran, waited = f.read().split()[:2]
    out["step_thread_cpu_s"] = int(ran) / 1e9
    out["step_thread_wait_s"] = int(waited) / 1e9
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/status" % task) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        out["voluntary_switches"] += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        out["involuntary_switches"] += int(line.split()[1])
            with open("/proc/self/task/%s/schedstat" % task) as f:
                out["runqueue_wait_s"] += int(f.read().split()[1]) / 1e9
        except OSError:
            pass
    return out


def counters_delta(after, before, wall_s):
    out = {k: after[k] - before[k] for k in after}
    out["wall_s"] = wall_s
    return out


def thread_cpu_seconds():
    """CPU seconds (user + system) of each live thread, by thread id and name: which threads did the work."""
    out = {}
    for task in sorted(os.listdir("/proc/self/task"), key=int):
        try:
            with open("/proc/self/task/%s/stat" % task) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out["%s/%s" % (task, name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return out
