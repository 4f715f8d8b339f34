/**
 * A small byte-level BPE trainer (GPT-2 style), deterministic, emitting a Hugging Face
 * tokenizer.json that @huggingface/tokenizers and Python `tokenizers` / transformers both load.
 *
 * Pre-tokenization is GPT-2's: its split regex, then every UTF-8 byte mapped to a printable
 * character (bytes_to_unicode), so any string encodes without an unknown token. Training starts
 * from the 256 byte symbols and repeatedly merges the most frequent adjacent pair within words;
 * ties go to the pair whose (left, right) strings sort first, so the result never depends on Map
 * order. The end-of-text token comes last, as in GPT-2.
 */

/** GPT-2's pre-tokenizer split (the ByteLevel pre-tokenizer with use_regex: true). */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export const END_OF_TEXT = '<|endoftext|>';

/** GPT-2's byte -> character table; also the order of the 256 base tokens. */
export function bytesToUnicode(): { bytes: number[]; chars: string[] } {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const codes = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      codes.push(256 + n);
      n++;
    }
  }
  return { bytes, chars: codes.map((c) => String.fromCharCode(c)) };
}

const BYTE_TABLE = (() => {
  const { bytes, chars } = bytesToUnicode();
  const t: string[] = new Array(256);
  bytes.forEach((b, i) => (t[b] = chars[i]));
  return t;
})();

/** The pre-tokenized, byte-mapped words of `text`. */
export function preTokenize(text: string): string[] {
  const enc = new TextEncoder();
  return (text.match(GPT2_SPLIT) ?? []).map((w) => Array.from(enc.encode(w), (b) => BYTE_TABLE[b]).join(''));
}

export interface BpeTrainOptions {
  /** Total vocabulary size, the 256 byte tokens and the end-of-text token included. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
}

export interface TrainedBpe {
  vocab: Record<string, number>;
  merges: [string, string][];
}

/** Train on `texts` (each text pre-tokenized on its own: no word spans two texts). */
export function trainBpe(texts: Iterable<string>, opts: BpeTrainOptions): TrainedBpe {
  const minFrequency = opts.minFrequency ?? 2;
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  // Sorted words: the pair counting below then visits them in a fixed order.
  const words = [...counts.keys()].sort().map((w) => ({ syms: Array.from(w), n: counts.get(w) as number }));
  const { chars } = bytesToUnicode();
  const vocab: Record<string, number> = {};
  chars.forEach((c, i) => (vocab[c] = i));
  let next = chars.length;
  const merges: [string, string][] = [];
  const SEP = '\u0000';
  while (next < opts.vocabSize - 1) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = syms[i] + SEP + syms[i + 1];
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | null = null;
    let bestN = 0;
    for (const [key, n] of pairs) {
      if (n > bestN || (n === bestN && best !== null && key < best)) {
        best = key;
        bestN = n;
      }
    }
    if (best === null || bestN < minFrequency) break;
    const [a, b] = best.split(SEP) as [string, string];
    const merged = a + b;
    merges.push([a, b]);
    if (!(merged in vocab)) vocab[merged] = next++;
    for (const w of words) {
      const s = w.syms;
      if (s.length < 2) continue;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      w.syms = out;
    }
  }
  vocab[END_OF_TEXT] = next;
  return { vocab, merges };
}

/** tokenizer.json of a GPT-2-style byte-level BPE. */
export function tokenizerJson(bpe: TrainedBpe): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: bpe.vocab[END_OF_TEXT],
        content: END_OF_TEXT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: bpe.vocab,
      merges: bpe.merges,
    },
  };
}

/** tokenizer_config.json for transformers (GPT-2 conventions: one token for bos/eos/unk). */
export function tokenizerConfigJson(modelMaxLength: number): Record<string, unknown> {
  return {
    add_prefix_space: false,
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
    tokenizer_class: 'GPT2Tokenizer',
  };
}
