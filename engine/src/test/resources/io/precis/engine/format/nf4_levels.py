"""Writes nf4-levels.csv: the NF4 table as published, and the QLoRA recipe recomputed, for FormatsTest.

Column `published`: typed by hand from bitsandbytes, bitsandbytes/functional.py, get_4bit_type("nf4")
(github.com/bitsandbytes-foundation/bitsandbytes, commit 95f9af309d4d5793847169c39288dcd3fcbdf564), the
table QLoRA (arXiv 2305.14314, appendix E) lists. Float32 values printed as doubles.

Column `recipe`: the same levels recomputed in double from bitsandbytes' create_normal_map recipe
(normal quantiles at 9 and 8 evenly spaced probabilities from 0.9677083 to 0.5, zero, scaled so the
largest is 1), with the standard library's inverse normal CDF. bitsandbytes computed in float32, so the
two agree to ~1e-7, not bit for bit: the recipe column only guards the typed column against typos.

Run: python3 nf4_levels.py  (no packages needed)
"""
from statistics import NormalDist

PUBLISHED = [
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]


def linspace(a, b, n):
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def recipe(offset=0.9677083):
    ppf = NormalDist().inv_cdf
    positive = [ppf(p) for p in linspace(offset, 0.5, 9)[:-1]]
    negative = [-ppf(p) for p in linspace(offset, 0.5, 8)[:-1]]
    levels = sorted(positive + [0.0] + negative)
    top = max(levels)
    return [v / top for v in levels]


if __name__ == "__main__":
    import pathlib
    rows = ["code,published,recipe"]
    rows += [f"{i},{p!r},{r!r}" for i, (p, r) in enumerate(zip(PUBLISHED, recipe()))]
    out = pathlib.Path(__file__).with_name("nf4-levels.csv")
    out.write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")
