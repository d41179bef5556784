#!/usr/bin/env python3
"""PyTorch-eager twin of io.streamrlhf.bench.trainer.DpoStepBenchmark.

Same model (pre-LN decoder, GELU MLP x4, learned positions, tied LM head, vocab 260), same batch
shapes (B pairs -> 2B sequences of T tokens, second half of each sequence scored), same DPO sigmoid
loss against fixed reference log-probs, global-norm clipping 1.0 and AdamW. Prints one JSON line.

Run with Debian's interpreter: /usr/bin/python3 bench/scripts/dpo_step_torch.py --layers 2 --width 128
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_bench_common as common  # noqa: E402

VOCAB = 260


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x, mask):
        b, t, d = x.shape
        hd = d // self.heads
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)) + mask
        y = att.softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Layer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 4 * width)
        self.fc2 = nn.Linear(4 * width, width)

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Model(nn.Module):
    def __init__(self, layers, width, heads, context):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, width)
        self.pos = nn.Parameter(torch.randn(context, width) * 0.02)
        self.layers = nn.ModuleList([Layer(width, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)

    def forward(self, ids):
        t = ids.shape[1]
        mask = torch.full((t, t), -1e9).triu(1)
        x = self.tok(ids) + self.pos[:t]
        for layer in self.layers:
            x = layer(x, mask)
        return self.ln_f(x) @ self.tok.weight.t()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--pairs", type=int, default=8)
    p.add_argument("--length", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--thread-plan", default="blas", choices=sorted(common.PLANS),
                   help="how the budget splits between ATen's OpenMP pool and OpenBLAS (see torch_bench_common)")
    a = p.parse_args()
    torch.manual_seed(0)
    intra, blas = common.thread_plan(a.thread_plan, a.threads)
    common.set_threads(intra, blas)
    model = Model(a.layers, a.width, a.heads, a.context)
    opt = common.adamw(model.parameters(), 1e-4)
    rows, t = 2 * a.pairs, a.length
    ids = torch.randint(0, 256, (rows, t + 1))
    inputs, targets = ids[:, :-1], ids[:, 1:]
    mask = torch.zeros(rows, t)
    mask[:, t // 2:] = 1.0
    ref = -torch.rand(rows) * 10 - 150
    beta = 0.1

    def step():
        logits = model(inputs)
        logps = logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        sums = (logps * mask).sum(1)
        pc, pr = sums[: a.pairs], sums[a.pairs:]
        rc, rr = ref[: a.pairs], ref[a.pairs:]
        h = (pc - pr) - (rc - rr)
        loss = -F.logsigmoid(beta * h).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({
        "engine": common.engine(),
        "threads": torch.get_num_threads(),
        "thread_plan": "%s: %d intra-op, %d OpenBLAS" % (a.thread_plan, intra, blas),
        "params": sum(p.numel() for p in model.parameters()),
        "tokens": rows * t,
        "median_step_s": median,
        "tokens_per_s": rows * t / median,
        "best_matmul_gflops": common.best_matmul_gflops((256, 512, 1024, 2048)),
    }))


if __name__ == "__main__":
    main()
