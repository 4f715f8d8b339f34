"""Reference gradients: d(mean next-token cross-entropy)/d(weights of one block), transformers GPT-2.

Usage: python grads.py MODEL_DIR IN_JSON OUT_JSON ; IN = {"seqs": [[ids...]...], "block": b}
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
prefix = f"transformer.h.{block}."
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
