#!/usr/bin/env python3
"""PyTorch side of io.streamrlhf.bench.trainer.LoraDpoStepBenchmark: one LoRA DPO step, as a careful PyTorch user
writes it, on the same Llama-family model, adapter and batch as the DJL side.

Reads MODEL_DIR (config.json, model.safetensors), MODEL_DIR/adapter (PEFT layout: adapter_config.json,
adapter_model.safetensors) and MODEL_DIR/batch.json (the token rows the trainer's collator makes of the pairs: the
model reads all but each row's last id). One step, as the trainer's PreferenceTrainer takes it: the reference (the
base, adapters off) under torch.inference_mode(); zero_grad(set_to_none=True); the policy (base + adapters) forward
on chosen and rejected rows, the LM head and log-softmax only from the first scored column on (TRL's
logits_to_keep, as the trainer does); TRL's sigmoid DPO loss (mean over pairs); backward, where only the adapters require
gradients; global-norm clipping to 1.0 and torch.optim.AdamW on the adapters. Then greedy generation with a key-value cache, and the best
fp32 matmul rate. Prints one line "RESULT {json}".

Run with Debian's interpreter: /usr/bin/python3 bench/scripts/lora_dpo_step_torch.py MODEL_DIR --threads 1
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_bench_common as common  # noqa: E402

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def read_safetensors(path):
    """Tensor by tensor, so the peak memory holds the fp32 weights and one tensor's bytes, not the whole file."""
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        base = 8 + n
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            dtype, size = DTYPES[entry["dtype"]]
            begin, end = entry["data_offsets"]
            count = math.prod(entry["shape"])
            assert end - begin == count * size, name
            f.seek(base + begin)
            raw = bytearray(f.read(end - begin))
            t = torch.frombuffer(raw, dtype=dtype, count=count) if count else torch.empty(0, dtype=dtype)
            out[name] = t.reshape(entry["shape"]).to(torch.float32).clone()
            del raw
    return out


class Model:
    """The Llama-family decoder (RMSNorm, rotary, grouped-query attention, SwiGLU) with PEFT-style LoRA."""

    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            c = json.load(f)
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.layers = c["num_hidden_layers"]
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)
        self.tied = c.get("tie_word_embeddings", False)
        self.w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        for t in self.w.values():
            t.requires_grad_(False)
        adapter_dir = os.path.join(model_dir, "adapter")
        with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
            a = json.load(f)
        self.scaling = a["lora_alpha"] / (math.sqrt(a["r"]) if a.get("use_rslora") else a["r"])
        tensors = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
        self.lora = {}
        prefix, suffix = "base_model.model.", ".lora_A.weight"
        for name, t in tensors.items():
            if name.endswith(suffix):
                module = name[len(prefix):-len(suffix)]
                self.lora[module] = (t.requires_grad_(True),
                                     tensors[prefix + module + ".lora_B.weight"].requires_grad_(True))
        self.adapters_on = True
        self.inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float()
                                              / self.head_dim))

    def lora_parameters(self):
        return [p for ab in self.lora.values() for p in ab]

    def project(self, x, name):
        y = F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))
        if self.adapters_on and name in self.lora:
            a, b = self.lora[name]
            y = y + F.linear(F.linear(x, a), b) * self.scaling
        return y

    def rms_norm(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def forward(self, tokens, cache=None, keep_from=0):
        """Logits (B, T - keep_from, V) of columns keep_from.. (TRL's logits_to_keep: the LM head only where tokens
        are scored); with a cache (a list of per-layer (k, v)), T new tokens after the cached ones."""
        b, t = tokens.shape
        past = 0 if not cache else cache[0][0].shape[2]
        positions = torch.arange(past, past + t, dtype=torch.float32)
        angles = positions[:, None] * self.inv_freq[None, :]
        emb = torch.cat((angles, angles), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((t, past + t), -1e9).triu(past + 1)
        x = F.embedding(tokens, self.w["model.embed_tokens.weight"])
        hd, h, kvh = self.head_dim, self.heads, self.kv_heads
        group = h // kvh
        for i in range(self.layers):
            p = "model.layers.%d." % i
            n = self.rms_norm(x, self.w[p + "input_layernorm.weight"])
            q = self.project(n, p + "self_attn.q_proj").view(b, t, h, hd).transpose(1, 2)
            k = self.project(n, p + "self_attn.k_proj").view(b, t, kvh, hd).transpose(1, 2)
            v = self.project(n, p + "self_attn.v_proj").view(b, t, kvh, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache is not None:
                if len(cache) > i:
                    k = torch.cat((cache[i][0], k), dim=2)
                    v = torch.cat((cache[i][1], v), dim=2)
                    cache[i] = (k, v)
                else:
                    cache.append((k, v))
            keys = k.shape[2]
            # Query head g * group + j reads key/value head g: folding a group's heads into the time axis lets one
            # batched product serve the group without repeating keys and values per head.
            scores = (q.reshape(b, kvh, group * t, hd) @ k.transpose(2, 3)) * (1.0 / math.sqrt(hd))
            scores = scores.view(b, h, t, keys) + mask
            attn = scores.softmax(-1).view(b, kvh, group * t, keys) @ v
            attn = attn.view(b, h, t, hd).transpose(1, 2).reshape(b, t, h * hd)
            x = x + self.project(attn, p + "self_attn.o_proj")
            n = self.rms_norm(x, self.w[p + "post_attention_layernorm.weight"])
            gate = self.project(n, p + "mlp.gate_proj")
            up = self.project(n, p + "mlp.up_proj")
            x = x + self.project(F.silu(gate) * up, p + "mlp.down_proj")
        if keep_from:
            x = x[:, keep_from:]
        x = self.rms_norm(x, self.w["model.norm.weight"])
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return F.linear(x, head)


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat((-x[..., d:], x[..., :d]), dim=-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model_dir")
    p.add_argument("--threads", type=int, required=True, help="the thread budget, shared as --thread-plan says")
    p.add_argument("--thread-plan", default="blas", choices=sorted(common.PLANS),
                   help="how the budget splits between ATen's OpenMP pool and OpenBLAS (see torch_bench_common)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--gen-tokens", type=int, default=32)
    p.add_argument("--matmul-sizes", default="256,512,1024,2048")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--beta", type=float, default=0.1)
    p.add_argument("--profile", help="write torch.autograd.profiler's op table of one more step to this file")
    a = p.parse_args()
    intra, blas = common.thread_plan(a.thread_plan, a.threads)
    common.set_threads(intra, blas)

    model = Model(a.model_dir)
    with open(os.path.join(a.model_dir, "batch.json")) as f:
        batch = json.load(f)
    ids = torch.tensor(batch["rows"], dtype=torch.int64)
    pairs = batch["pairs"]
    # As the trainer's collator shifts them: the model reads every id but the last and predicts the next one; a
    # column is scored when its target lies in the completion.
    inputs, targets = ids[:, :-1], ids[:, 1:]
    completion = torch.zeros(inputs.shape)
    completion[:, batch["prompt_length"] - 1:] = 1.0
    params = model.lora_parameters()
    opt = common.adamw(params, a.lr)

    # The first column any row scores: the columns before it need no logits (the trainer's LlamaPolicy does the same).
    first = int(completion.sum(0).nonzero()[0, 0])
    kept_targets = targets[:, first:].unsqueeze(-1)
    kept_completion = completion[:, first:]

    def sequence_logps(logits):
        logp = logits.log_softmax(-1).gather(-1, kept_targets).squeeze(-1)
        return (logp * kept_completion).sum(-1)

    sections = {}

    def mark(name, since):
        now = time.perf_counter()
        sections[name] = sections.get(name, 0.0) + now - since
        return now

    def step():
        t = time.perf_counter()
        with torch.inference_mode():
            model.adapters_on = False
            reference = sequence_logps(model.forward(inputs, keep_from=first))
            model.adapters_on = True
        reference = reference.clone()  # a normal tensor again, usable next to the graph
        t = mark("reference_forward", t)
        opt.zero_grad(set_to_none=True)
        policy = sequence_logps(model.forward(inputs, keep_from=first))
        h = (policy[:pairs] - reference[:pairs]) - (policy[pairs:] - reference[pairs:])
        loss = -F.logsigmoid(a.beta * h).mean()
        value = loss.item()
        t = mark("policy_forward_and_loss", t)
        loss.backward()
        t = mark("backward", t)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        mark("optimizer", t)
        return value

    losses, times, cpu, counters = [], [], [], []
    threads_before = None
    for s in range(a.warmup + a.steps):
        if s == a.warmup:
            sections.clear()
            threads_before = common.thread_cpu_seconds()
        start = time.perf_counter()
        start_cpu = time.process_time()
        start_counters = common.process_counters()
        losses.append(step())
        if s >= a.warmup:
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            counters.append(common.counters_delta(common.process_counters(), start_counters, times[-1]))
    threads_after = common.thread_cpu_seconds()
    # Which threads computed the timed steps, and how much: the plan's pools at work, or spinning.
    thread_cpu = {k: round(v - threads_before.get(k, 0.0), 2) for k, v in threads_after.items()
                  if v - threads_before.get(k, 0.0) >= 0.01}

    if a.profile:
        with torch.autograd.profiler.profile(record_shapes=True) as prof:
            step()
        with open(a.profile, "w") as f:
            f.write(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=40))
        prof.export_chrome_trace(a.profile + ".json")

    prompt = ids[:1, :batch["prompt_length"]]
    with torch.inference_mode():
        start = time.perf_counter()
        cache = []
        logits = model.forward(prompt, cache)
        generated = []
        for i in range(a.gen_tokens):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            generated.append(int(nxt[0, 0]))
            if i == a.gen_tokens - 1:
                break
            logits = model.forward(nxt, cache)
        gen_seconds = time.perf_counter() - start

    peak = common.vm_hwm_kib()  # before the matmul probe's buffers
    result = common.thread_report()
    result.update({
        "thread_plan": "%s: %d intra-op, %d OpenBLAS" % (a.thread_plan, intra, blas),
        "thread_cpu_seconds": thread_cpu,
        "losses": losses,
        "step_seconds": times,
        "step_cpu_seconds": cpu,
        "step_counters": counters,
        "sections_ms": {k: 1000 * v / max(1, a.steps) for k, v in sections.items()},
        "generated": generated,
        "gen_tokens_per_s": a.gen_tokens / gen_seconds,
        "matmul_gflops": common.best_matmul_gflops([int(x) for x in a.matmul_sizes.split(",")]),
        "vm_hwm_kib": peak,
    })
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
