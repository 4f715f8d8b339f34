"""Reference scores with transformers, written independently of lftf.

Usage: python scores.py MODE MODEL_DIR IN_JSON OUT_JSON
  pronouns: IN = {"prompts": [...], "male": "he", "female": "she"} -> [[p_he, p_she], ...]
  mc:       IN = [{"context", "continuations", "choices", "gold"}] -> {"lls", "acc", "acc_norm"}
            (lm-evaluation-harness: acc = argmax of summed log-likelihood, acc_norm = argmax of
            log-likelihood divided by the choice's character length)
  ppl:      IN = {"texts": [...], "window": W, "stride": S} -> {"ppl", "tokens"}
            (the sliding-window recipe of the transformers perplexity guide)
"""
import json
import math
import sys

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM


def loglik(model, tok, context: str, continuation: str) -> float:
    # lm-evaluation-harness: trailing spaces of the context belong to the continuation
    n_spaces = len(context) - len(context.rstrip(" "))
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    ctx = tok.encode(context).ids if context else []
    whole = tok.encode(context + continuation).ids
    k = 0
    while k < min(len(ctx), len(whole)) and ctx[k] == whole[k]:
        k += 1
    if k == 0:
        bos = tok.token_to_id("<s>")
        whole = [bos if bos is not None else tok.token_to_id("<|endoftext|>")] + whole
        k = 1
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([whole[:-1]])).logits[0]
    logp = torch.log_softmax(logits.double(), dim=-1)
    return float(sum(logp[j - 1, whole[j]] for j in range(k, len(whole))))


def main() -> None:
    mode, model_dir, in_path, out_path = sys.argv[1:5]
    data = json.load(open(in_path))
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    if mode == "pronouns":
        out = [[math.exp(loglik(model, tok, p, " " + data["male"])), math.exp(loglik(model, tok, p, " " + data["female"]))]
               for p in data["prompts"]]
    elif mode == "mc":
        lls = [[loglik(model, tok, it["context"], c) for c in it["continuations"]] for it in data]
        acc = [float(max(range(len(l)), key=lambda i: (l[i], -i)) == it["gold"]) for l, it in zip(lls, data)]
        norm = [[l[i] / len(it["choices"][i]) for i in range(len(l))] for l, it in zip(lls, data)]
        acc_norm = [float(max(range(len(n)), key=lambda i: (n[i], -i)) == it["gold"]) for n, it in zip(norm, data)]
        out = {"lls": lls, "acc": sum(acc) / len(acc), "acc_norm": sum(acc_norm) / len(acc_norm)}
    elif mode == "ppl":
        window, stride = data["window"], data["stride"]
        nll_sum, n_tokens = 0.0, 0
        for text in data["texts"]:
            ids = torch.tensor([tok.encode(text).ids])
            seq_len = ids.size(1)
            prev_end = 0
            for begin in range(0, seq_len, stride):
                end = min(begin + window, seq_len)
                trg_len = end - prev_end
                input_ids = ids[:, begin:end]
                labels = input_ids.clone()
                labels[:, :-trg_len] = -100
                with torch.no_grad():
                    logits = model(input_ids=input_ids).logits.double()
                shift_logits, shift_labels = logits[:, :-1], labels[:, 1:]
                valid = shift_labels != -100
                if valid.any():
                    lp = torch.log_softmax(shift_logits, dim=-1)
                    picked = lp.gather(-1, shift_labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
                    nll_sum -= float(picked[valid].sum())
                    n_tokens += int(valid.sum())
                prev_end = end
                if end == seq_len:
                    break
        out = {"ppl": math.exp(nll_sum / n_tokens), "tokens": n_tokens}
    else:
        raise SystemExit(f"unknown mode {mode}")
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
