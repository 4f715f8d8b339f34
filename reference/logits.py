"""Reference logits from transformers for lftf's parity tests.

Usage: python logits.py MODEL_DIR PROMPTS_JSON OUT_JSON [--all-positions] [--hidden]
PROMPTS_JSON is a list of strings. For each prompt, OUT_JSON gets the token ids from the
checkpoint's own tokenizer (tokenizers library) and the logits of every position (or of the last
one), computed by transformers in float32 on one right-padded batch with an attention mask.
With --hidden, also transformers' hidden_states (embeddings, then after each layer; the last
entry has the final norm applied).
"""
import json
import sys

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM


def main() -> None:
    model_dir, prompts_path, out_path = sys.argv[1:4]
    all_positions = "--all-positions" in sys.argv
    want_hidden = "--hidden" in sys.argv
    prompts = json.load(open(prompts_path))
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    ids = [tok.encode(p).ids for p in prompts]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    T = max(len(x) for x in ids)
    pad = 0
    batch = torch.tensor([x + [pad] * (T - len(x)) for x in ids])
    mask = torch.tensor([[1] * len(x) + [0] * (T - len(x)) for x in ids])
    with torch.no_grad():
        result = model(input_ids=batch, attention_mask=mask, output_hidden_states=want_hidden)
    logits = result.logits
    out = []
    for b, x in enumerate(ids):
        rows = logits[b, : len(x)] if all_positions else logits[b, len(x) - 1 : len(x)]
        item = {"ids": x, "logits": rows.tolist()}
        if want_hidden:
            item["hidden"] = [h[b, : len(x)].tolist() for h in result.hidden_states]
        out.append(item)
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
