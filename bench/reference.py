"""The benchmark's reference side: transformers + PyTorch on the CPU, written the way a careful
researcher would write each workload, independently of lftf.

A worker for bench/run.ts (line protocol in bench/protocol.ts): one JSON request per stdin line,
one reply per stdout line that starts with "@@bench ". Each workload is a class with
prepare (untimed) / run (timed) / summarize (untimed), registered in WORKLOADS under the same id
as its TypeScript half in bench/workloads.ts.
"""
import json
import math
import os
import platform
import resource
import sys
import time
import traceback

MARK = "@@bench "

torch = None  # imported in `init`, after the thread settings are known
model = None
tok = None


class ForwardWorkload:
    """W0: `model(input_ids)` under torch.no_grad(), full logits."""

    def __init__(self, inp):
        self.input_ids = torch.tensor(inp["ids"], dtype=torch.long)
        self.cols = inp["fingerprintColumns"]

    def run(self, warmup):
        with torch.no_grad():
            logits = model(self.input_ids).logits
        float(logits[-1, -1, 0])  # the same one-value read-back as our side
        return logits

    def summarize(self, logits):
        return logits[:, -1, : self.cols].reshape(-1).tolist()


class ScoringWorkload:
    """W1: P(" he" | prompt) and P(" she" | prompt) by the chain rule over the continuation's tokens.

    Every (prompt, pronoun) pair is its own full sequence (prompt + continuation); sequences are
    batched in data order, right-padded, with an attention mask; log_softmax over the full logits.
    """

    def __init__(self, inp):
        self.prompts = inp["prompts"]
        self.words = [inp["pronouns"]["male"], inp["pronouns"]["female"]]
        self.batch_size = inp["batchSize"]
        self.pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def score(self, prompts):
        seqs = []  # (token ids of prompt + continuation, index of the first continuation token)
        for p in prompts:
            ctx = tok(p)["input_ids"]
            for w in self.words:
                full = tok(p + " " + w)["input_ids"]
                k = 0
                while k < min(len(ctx), len(full)) and ctx[k] == full[k]:
                    k += 1
                seqs.append((full, k))
        logps = []
        for i in range(0, len(seqs), self.batch_size):
            chunk = seqs[i : i + self.batch_size]
            width = max(len(s) for s, _ in chunk)
            input_ids = torch.full((len(chunk), width), self.pad, dtype=torch.long)
            attention_mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for b, (s, _) in enumerate(chunk):
                input_ids[b, : len(s)] = torch.tensor(s)
                attention_mask[b, : len(s)] = 1
            with torch.no_grad():
                logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
                logp = torch.log_softmax(logits, dim=-1)
            for b, (s, k) in enumerate(chunk):
                logps.append(sum(float(logp[b, j - 1, s[j]]) for j in range(k, len(s))))
        return [[math.exp(logps[2 * i]), math.exp(logps[2 * i + 1])] for i in range(len(prompts))]

    def run(self, warmup):
        # Warm-up scores a few prompts (one batch), as our side does.
        return self.score(self.prompts[: (self.batch_size + 1) // 2] if warmup else self.prompts)

    def summarize(self, scores):
        return scores


WORKLOADS = {"w0-forward": ForwardWorkload, "w1-score": ScoringWorkload}
sessions = {}


def init(req):
    global torch
    threads = int(req["threads"])
    import torch as _torch  # noqa: E402  (after the environment is set by the runner)

    torch = _torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    import transformers

    blas = "unknown"
    for line in torch.__config__.show().splitlines():
        if "BLAS_INFO=" in line:
            blas = line.split("BLAS_INFO=")[1].split(",")[0]
    return {"info": {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "intraOpThreads": torch.get_num_threads(),
        "interOpThreads": torch.get_num_interop_threads(),
        "blas": blas,
        "cpuCapability": torch.backends.cpu.get_cpu_capability(),
    }}


def load(req):
    global model, tok
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(req["model"], dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(req["model"])
    ms = (time.perf_counter() - t0) * 1000
    return {"ms": ms, "info": {
        "parameters": sum(p.numel() for p in model.parameters()),
        "attention": getattr(model.config, "_attn_implementation", None),
    }}


def handle(req):
    cmd = req["cmd"]
    if cmd == "init":
        return init(req)
    if cmd == "load":
        return load(req)
    if cmd == "prepare":
        sessions[req["workload"]] = WORKLOADS[req["workload"]](req["input"])
        return {}
    if cmd == "run":
        s = sessions[req["workload"]]
        t0 = time.perf_counter()
        result = s.run(bool(req.get("warmup")))
        ms = (time.perf_counter() - t0) * 1000
        out = s.summarize(result) if req.get("collect") else None
        del result
        return {"ms": ms, "output": out}
    if cmd == "finish":
        sessions.pop(req["workload"], None)
        return {}
    if cmd == "stats":
        return {"peakRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "rssKb": int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024}
    raise ValueError(f"unknown command {cmd}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        try:
            reply = {"ok": True, **handle(req)}
        except Exception:  # reported to the runner, which names the failing side
            reply = {"ok": False, "error": traceback.format_exc()}
        sys.stdout.write(MARK + json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
