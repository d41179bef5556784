#!/usr/bin/env python3
"""An independent PyTorch implementation of the Llama-family decoder (Llama, Llama 3 rope scaling, Mistral, Qwen2,
Qwen3), written from the architecture's definition, to check io.streamrlhf.trainer.model.llama.LlamaModel.

It reads a Hugging Face model directory (config.json, model.safetensors or model.safetensors.index.json) with its
own safetensors reader, runs a forward pass in fp32 and prints one JSON object:
  {"logits": [[[...V floats] x T] x B], "torch": "<version>"}
and, with "grad_of", the gradients of the summed log-probabilities of the next tokens (at unmasked positions)
with respect to those parameters: {"grads": {"NAME": [flat floats]}}.

With "adapter", a PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors) is merged into the
base as PEFT's merge_and_unload defines it: W + scaling * B @ A, scaling = lora_alpha / r (/ sqrt(r) with
use_rslora). The merge is differentiable, so "grad_of" may name the adapter's tensors
(base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight).

With "dpo" ({"beta": b, "completion_mask": [[1/0]], "pairs": [[chosen_row, rejected_row]]}) and an adapter, the
objective is instead one DPO step's loss (TRL's sigmoid loss, mean over pairs): the policy is the base with the
adapter merged, the reference the base alone (no gradient), each row's log-probability the sum over its completion
tokens; the loss is printed as "loss".

Usage: llama_reference.py MODEL_DIR REQUEST_JSON
  REQUEST_JSON: {"tokens": [[ids]], "mask": [[1/0]] or null, "grad_of": [names], "adapter": DIR or absent}
Exit code 3 when torch is missing, so the Java test can skip with a clear message.
"""
import json
import math
import struct
import sys

try:
    import torch
except ImportError as e:  # the caller skips on exit code 3
    print("torch not importable: %s" % e, file=sys.stderr)
    sys.exit(3)

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = 1
        for d in entry["shape"]:
            count *= d
        assert end - begin == count * size, name
        raw = bytearray(body[begin:end])
        t = torch.frombuffer(raw, dtype=dtype, count=count) if count else torch.empty(0, dtype=dtype)
        # safetensors is little-endian, as is every machine this runs on
        out[name] = t.reshape(entry["shape"]).to(torch.float32).clone()
    return out


def read_weights(model_dir):
    import os
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            weights.update(read_safetensors(os.path.join(model_dir, shard)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


class Config:
    def __init__(self, c):
        self.type = c["model_type"]
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.layers = c["num_hidden_layers"]
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)
        self.rope_scaling = c.get("rope_scaling")
        self.tied = c.get("tie_word_embeddings", False)


def inverse_frequencies(cfg):
    # theta ** (-2i / d) for the first half of each head, in fp32 as the model computes it
    exponents = torch.arange(0, cfg.head_dim, 2, dtype=torch.int64).float() / cfg.head_dim
    inv = 1.0 / (cfg.theta ** exponents)
    rs = cfg.rope_scaling
    kind = None if rs is None else rs.get("rope_type", rs.get("type"))
    if kind == "llama3":
        factor = rs["factor"]
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        out = []
        for f in inv.tolist():
            wavelen = 2 * math.pi / f
            if wavelen < old / high:
                out.append(f)  # high frequencies: unchanged
            elif wavelen > old / low:
                out.append(f / factor)  # low frequencies: slowed down by the factor
            else:
                smooth = (old / wavelen - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        inv = torch.tensor(out, dtype=torch.float32)
    elif kind not in (None, "default"):
        raise SystemExit("unsupported rope type %s" % kind)
    return inv


def rms_norm(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat((-x[..., d:], x[..., :d]), dim=-1)


def linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


def forward(cfg, W, tokens, mask):
    B, T = tokens.shape
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.int64)
    # positions count real tokens only, so a left-padded row sees the positions of its unpadded sequence
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    inv = inverse_frequencies(cfg)
    angles = positions[:, :, None].float() * inv[None, None, :]
    emb = torch.cat((angles, angles), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    allowed = causal[None, None] & mask.bool()[:, None, None, :]
    bias = torch.zeros(B, 1, T, T).masked_fill(~allowed, torch.finfo(torch.float32).min)

    x = W["model.embed_tokens.weight"][tokens]
    group = cfg.heads // cfg.kv_heads
    for i in range(cfg.layers):
        p = "model.layers.%d." % i
        a = p + "self_attn."
        h = rms_norm(x, W[p + "input_layernorm.weight"], cfg.eps)
        q = linear(h, W[a + "q_proj.weight"], W.get(a + "q_proj.bias")).view(B, T, cfg.heads, cfg.head_dim)
        k = linear(h, W[a + "k_proj.weight"], W.get(a + "k_proj.bias")).view(B, T, cfg.kv_heads, cfg.head_dim)
        v = linear(h, W[a + "v_proj.weight"], W.get(a + "v_proj.bias")).view(B, T, cfg.kv_heads, cfg.head_dim)
        if cfg.type == "qwen3":
            q = rms_norm(q, W[a + "q_norm.weight"], cfg.eps)
            k = rms_norm(k, W[a + "k_norm.weight"], cfg.eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # each key/value head serves `group` consecutive query heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(2, 3) / math.sqrt(cfg.head_dim) + bias
        attn = torch.softmax(scores.float(), dim=-1) @ v
        attn = attn.transpose(1, 2).reshape(B, T, cfg.heads * cfg.head_dim)
        x = x + linear(attn, W[a + "o_proj.weight"], W.get(a + "o_proj.bias"))
        n = rms_norm(x, W[p + "post_attention_layernorm.weight"], cfg.eps)
        gate = linear(n, W[p + "mlp.gate_proj.weight"])
        up = linear(n, W[p + "mlp.up_proj.weight"])
        x = x + linear(torch.nn.functional.silu(gate) * up, W[p + "mlp.down_proj.weight"])
    x = rms_norm(x, W["model.norm.weight"], cfg.eps)
    head = W["model.embed_tokens.weight"] if cfg.tied else W["lm_head.weight"]
    return x @ head.t()


def merge_adapter(W, adapter_dir, grad_of):
    import os
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        c = json.load(f)
    assert c["peft_type"] == "LORA" and c.get("bias", "none") == "none" and not c.get("use_dora")
    r = c["r"]
    scaling = c["lora_alpha"] / (math.sqrt(r) if c.get("use_rslora") else r)
    tensors = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    for name in grad_of:
        if name in tensors:
            tensors[name].requires_grad_(True)
    merged = dict(W)
    prefix, suffix = "base_model.model.", ".lora_A.weight"
    for name, a in tensors.items():
        if not name.endswith(suffix):
            continue
        module = name[len(prefix):-len(suffix)]
        assert module.split(".")[-1] in c["target_modules"], module
        b = tensors[prefix + module + ".lora_B.weight"]
        merged[module + ".weight"] = W[module + ".weight"] + scaling * (b @ a)
    return merged, tensors


def main():
    import os
    model_dir, request_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = Config(json.load(f))
    with open(request_path) as f:
        request = json.load(f)
    torch.set_num_threads(1)
    W = read_weights(model_dir)
    grad_of = request.get("grad_of") or []
    for name in grad_of:
        if name in W:
            W[name].requires_grad_(True)
    params = W
    base_weights = {k: v.detach() for k, v in W.items()}
    if request.get("adapter"):
        W, adapter = merge_adapter(W, request["adapter"], grad_of)
        params = dict(params)
        params.update(adapter)
    tokens = torch.tensor(request["tokens"], dtype=torch.int64)
    mask = torch.tensor(request["mask"], dtype=torch.int64) if request.get("mask") is not None else None
    logits = forward(cfg, W, tokens, mask)
    result = {"logits": logits.detach().tolist(), "torch": torch.__version__}
    dpo = request.get("dpo")
    if dpo:
        completion = torch.tensor(dpo["completion_mask"], dtype=torch.float32)[:, 1:]

        def sequence_logps(lg):
            logp = torch.log_softmax(lg[:, :-1], dim=-1).gather(-1, tokens[:, 1:, None]).squeeze(-1)
            return (logp * completion).sum(-1)

        policy = sequence_logps(logits)
        with torch.no_grad():
            reference = sequence_logps(forward(cfg, base_weights, tokens, mask))
        chosen = torch.tensor([p[0] for p in dpo["pairs"]])
        rejected = torch.tensor([p[1] for p in dpo["pairs"]])
        h = (policy[chosen] - reference[chosen]) - (policy[rejected] - reference[rejected])
        loss = -torch.nn.functional.logsigmoid(dpo["beta"] * h).mean()
        loss.backward()
        result["loss"] = loss.item()
        result["grads"] = {n: params[n].grad.reshape(-1).tolist() for n in grad_of}
    elif grad_of:
        m = torch.ones_like(tokens) if mask is None else mask
        logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, tokens[:, 1:, None]).squeeze(-1)
        objective = (logp * m[:, 1:] * m[:, :-1]).sum()
        objective.backward()
        result["grads"] = {n: params[n].grad.reshape(-1).tolist() for n in grad_of}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
