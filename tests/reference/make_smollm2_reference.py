"""Reference data for the SmolLM2 GGUF tests (needs `make models-data`; run in the project venv from the repo root):

  .venv/bin/python tests/reference/make_smollm2_reference.py

1. Token ids of a few strings and of models/data/sentences.txt, from a tokenizer built here with the Python
   `tokenizers` API (BPE model, Digits + ByteLevel pre-tokenizers as llama.cpp's 'smollm' pre-tokenizer) over the
   vocabulary and merges that the `gguf` package reads from the file: an independent construction of what Precis
   builds as a tokenizer.json.
2. The perplexity of the first window of 128 of those tokens under tests/reference/llama_numpy.py (numpy, float64).
Writes engine/src/test/resources/gguf/smollm2-reference.json.
"""
import json
import os
import subprocess
import sys
import tempfile

from gguf import GGUFReader
from tokenizers import Tokenizer, AddedToken, models, pre_tokenizers, decoders

MODEL = os.path.join(os.environ.get("PRECIS_MODELS") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "precis", "models"),
                     "SmolLM2-135M-Instruct.Q4_1.gguf")
STRINGS = ["Hello world", " leading space and  two  spaces", "numbers 12345 and 3.14159, 1,000,000!",
           "naïve café — ünïcödé ✓ 日本語 😀", "Call me Ishmael. Some years ago—never mind how long precisely",
           "<|im_start|>user\nWhat's up?<|im_end|>\n", "tabs\tand\nnew\n\nlines", "I'm, you're, they'll, we'd, it's"]


def main():
    r = GGUFReader(MODEL)
    f = lambda k: r.fields[k]
    tokens = [bytes(f("tokenizer.ggml.tokens").parts[i]).decode("utf-8") for i in f("tokenizer.ggml.tokens").data]
    merges = [tuple(bytes(f("tokenizer.ggml.merges").parts[i]).decode("utf-8").split(" ")) for i in f("tokenizer.ggml.merges").data]
    types = [int(f("tokenizer.ggml.token_type").parts[i][0]) for i in f("tokenizer.ggml.token_type").data]
    assert f("tokenizer.ggml.pre").contents() == "smollm"
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == 3])
    enc = lambda s: tok.encode(s, add_special_tokens=False).ids
    text = open(os.path.join("models", "data", "sentences.txt"), encoding="utf-8").read()
    ids = enc(text)
    window = ids[:128]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "ids.txt"), "w") as out:
            out.write(" ".join(map(str, window)))
        subprocess.run([sys.executable, os.path.join("tests", "reference", "llama_numpy.py"), MODEL, os.path.join(d, "ids.txt"), d], check=True)
        ppl = json.load(open(os.path.join(d, "result.json")))
    res = {"model": os.path.basename(MODEL), "strings": [{"text": s, "ids": enc(s)} for s in STRINGS],
           "sentences_txt_tokens": len(ids), "window": window, "window_nll": ppl["nll"], "window_perplexity": ppl["perplexity"]}
    with open(os.path.join("engine", "src", "test", "resources", "gguf", "smollm2-reference.json"), "w") as out:
        json.dump(res, out, indent=1, ensure_ascii=False)
    print(len(ids), "tokens in sentences.txt; window perplexity", ppl["perplexity"])


if __name__ == "__main__":
    main()
