"""The short soak of `make test`: 1,000 mixed cells on one kernel (`make soak` runs 10,000, tests/soak.py).

The kernel's live heap after a full GC must stay within 20 % of its size after the first 200 cells; every
cell must end as it should. Latency is written with the heap figures to target/bench/soak-short.json and
checked by `make soak` only: a timed assertion here would test the machine's load (speed is for benchmarks).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import soak  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_a_long_session_keeps_its_size_and_speed():
    r = soak.run(cells=1000, window=200, out_path=ROOT / "target" / "bench" / "soak-short.json", progress=False)
    assert r["unexpected_count"] == 0, r["unexpected"]
    assert r["heap_ratio"] <= 1.20, (f"heap after GC grew from {r['heap_after_gc_first_window'] / 2**20:.1f} to "
                                     f"{r['heap_after_gc_end'] / 2**20:.1f} MiB over {r['cells']} cells")
