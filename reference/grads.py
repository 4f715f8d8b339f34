"""Reference gradients: d(mean next-token cross-entropy)/d(weights of one block), transformers.

Usage: python grads.py MODEL_DIR IN_JSON OUT_JSON ; IN = {"seqs": [[ids...]...], "block": b}
The block's parameters are those named transformer.h.<b>. (GPT-2) or model.layers.<b>. (Llama family).
The batch is right-padded with an attention mask; padded positions are not in the loss.
OUT = {"loss": float, "grads": {hf_name: flat list}} for every parameter of block b.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

model_dir, in_path, out_path = sys.argv[1:4]
data = json.load(open(in_path))
seqs, block = data["seqs"], data["block"]
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
for p in model.parameters():
    p.requires_grad_(False)
names = [n for n, _ in model.named_parameters()]
prefix = f"transformer.h.{block}." if any(n.startswith("transformer.h.") for n in names) else f"model.layers.{block}."
trained = {n: p for n, p in model.named_parameters() if n.startswith(prefix)}
for p in trained.values():
    p.requires_grad_(True)
T = max(len(s) for s in seqs)
ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
mask = torch.tensor([[1] * len(s) + [0] * (T - len(s)) for s in seqs])
labels = ids.clone()
labels[mask == 0] = -100
loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
loss.backward()
json.dump({"loss": float(loss), "grads": {n: p.grad.flatten().tolist() for n, p in trained.items()}}, open(out_path, "w"))
