"""A long session on one kernel: mixed cells, latency and the kernel JVM's memory as the session grows.

`make soak` runs 10,000 cells and writes target/bench/soak.json; tests/test_soak.py runs a shorter one.
The cells repeat a fixed cycle (declarations that redefine a rotating set of names, new names, expressions,
methods, records, printing, displays, compile and runtime errors, magics, language cells), with a
completion and an is_complete request beside every fourth, as a user's long session would. Latency is the round
trip of an execute request (send to reply and idle); the reference is the median of the first `--window`
cells, the same cycle measured again at the end. Memory is the kernel JVM's heap after a full GC
(live objects in a class histogram, which runs a full GC first) after the first window and at the end, plus its RSS.
That is the heap the ratio checks: the kernel JVM holds JShell, javac and the session's state. The execution JVM's
heap (the cells' own objects and classes) is written beside it (exec_heap_after_gc, exec_heap_ratio).
--histograms keeps each sample's class histograms and --heap-dump the kernel JVM's heap at the end, to find what grows.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from kernel_client import KernelSession  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = 40  # a user's session reuses a few dozen names


def cell(i):
    """The i-th cell of the cycle: (kind, code, ok)."""
    k = (i // 20) % NAMES  # one name per cycle of 20 cells, defined by its first cell
    kind = i % 20
    if kind == 0:
        return "var", f"int a{k} = {i};", True
    if kind == 1:
        return "expr", f"a{k} * 2 + {i}", True
    if kind == 2:
        return "string", f'String s{k} = "cell " + {i};\ns{k}.length()', True
    if kind == 3:
        return "method", f"int f{k}(int x) {{ return x + {i}; }}\nf{k}({i})", True
    if kind == 4:
        return "print", f'System.out.println("line {i}");', True
    if kind == 5:
        return "record", f"record R{k}(int v) {{}}\nnew R{k}({i})", True
    if kind == 6:
        return "loop", "var xs = new ArrayList<Integer>();\nfor (int j = 0; j < 100; j++) xs.add(j);\nxs.size()", True
    if kind == 7:
        return "compile-error", f'int bad{k} = "text";', False
    if kind == 8:
        return "display", f'display("<b>{i}</b>", "text/html");', True
    if kind == 9:
        return "runtime-error", 'Integer.parseInt("not a number")', False
    if kind == 10:
        # A name never seen before: sessions also grow their set of names.
        return "new-name", f"double unique{i} = {i} / 2.0;", True
    if kind == 11:
        return "stream", f"IntStream.range(0, {i % 100 + 10}).sum()", True
    if kind == 12:
        return "magic", "%lsmagic", True
    if kind == 13:
        return "class", f"class C{k} {{ int v = {i}; int twice() {{ return 2 * v; }} }}\nnew C{k}().twice()", True
    if kind == 14:
        return "language", "%%precis\nset metric kl", True
    if kind == 15:
        return "time", f"%time a{k} + 1", True
    if kind == 16:
        return "map", f'Map<String, Integer> m{k} = new HashMap<>();\nm{k}.put("k", {i});\nm{k}', True
    if kind == 17:
        return "lambda", f"Function<Integer, Integer> g{k} = x -> x * {i % 7 + 1};\ng{k}.apply(3)", True
    if kind == 18:
        return "output", f'for (int j = 0; j < 5; j++) System.out.print(j);\nSystem.out.println();', True
    return "expr2", f"Math.max(a{k}, {i})", True


def heap_after_gc(pid, jcmd):
    """The kernel JVM's live heap after a full GC, in bytes, its heap in use as the collector reports it
    (which counts dead space the parallel collector leaves in place, filled), metaspace used, and the class
    histogram. The live heap is the histogram's total (GC.class_histogram runs a full GC first) less its
    filler arrays."""
    hist = subprocess.run([jcmd, str(pid), "GC.class_histogram"], capture_output=True, text=True, timeout=300, check=True).stdout
    live = 0
    for line in hist.splitlines():
        m = re.match(r"\s*\d+:\s+\d+\s+(\d+)\s+(.*)$", line)
        if m and "FillerElement" not in m.group(2) and "FillerArray" not in m.group(2):
            live += int(m.group(1))
    out = subprocess.run([jcmd, str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=120, check=True).stdout
    used = sum(int(m) for m in re.findall(r"total \d+K, used (\d+)K", out))
    meta = re.search(r"Metaspace\s+used (\d+)K", out)
    return live, used * 1024, (int(meta.group(1)) * 1024 if meta else None), hist


def rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def children(pid):
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


def run(cells, window, out_path=None, progress=True, histograms=None, heap_dump=None):
    jdk = subprocess.run([str(ROOT / "bin" / "find-jdk")], capture_output=True, text=True, check=True).stdout.strip()
    jcmd = str(Path(jdk) / "bin" / "jcmd")
    history = tempfile.mkdtemp(prefix="precis-soak-history-")
    k = KernelSession.start(os.environ.get("PRECIS_KERNEL_NAME", "precis"),
                            env={"PRECIS_HISTORY_DIR": history, "PRECIS_LOG_DIR": history})
    try:
        pid = k.km.provisioner.process.pid
        latencies, kinds, unexpected, samples = [], [], [], []
        t_start = time.time()
        for i in range(cells):
            kind, code, ok = cell(i)
            if i % 4 == 0:
                # Beside the cells, what a frontend sends while the user types.
                prefix = f"a{(i // 20) % NAMES}."
                k.request(lambda kc: kc.complete(prefix, len(prefix)), "complete_reply")
                k.request(lambda kc: kc.is_complete(code), "is_complete_reply")
            t0 = time.perf_counter()
            r = k.execute(code, timeout=120, stop_on_error=False)
            latencies.append(time.perf_counter() - t0)
            kinds.append(kind)
            if (r.status == "ok") != ok:
                unexpected.append({"cell": i, "kind": kind, "status": r.status, "error": r.error()})
            if i + 1 == window or (i + 1) % 1000 == 0 or i + 1 == cells:
                heap, used, meta, hist = heap_after_gc(pid, jcmd)
                # The execution JVM (the user's objects, the classes of their cells) is measured too: the
                # ratio that counts is the kernel JVM's, which holds JShell, javac and the session's state.
                execs = children(pid)
                exec_heap, exec_hist = None, None
                if execs:
                    try:
                        exec_heap, _, _, exec_hist = heap_after_gc(execs[0], jcmd)
                    except (subprocess.SubprocessError, OSError):
                        pass
                if histograms:
                    # What the heap holds, class by class: to find what grows (diff two of them).
                    Path(histograms).mkdir(parents=True, exist_ok=True)
                    (Path(histograms) / f"histogram-{i + 1}.txt").write_text(hist)
                    if exec_hist:
                        (Path(histograms) / f"exec-histogram-{i + 1}.txt").write_text(exec_hist)
                exec_rss = sum(filter(None, (rss(c) for c in execs)))
                samples.append({"cells": i + 1, "heap_after_gc": heap, "heap_used_after_gc": used, "metaspace": meta,
                                "kernel_rss": rss(pid), "exec_heap_after_gc": exec_heap,
                                "exec_rss": exec_rss, "median_ms_last_window": 1000 * statistics.median(latencies[-window:])})
                if progress:
                    print(f"soak: {i + 1} cells, heap after GC {heap / 2**20:.1f} MiB, kernel RSS {(rss(pid) or 0) / 2**20:.0f} MiB, "
                          f"median of last {window} {samples[-1]['median_ms_last_window']:.1f} ms, {time.time() - t_start:.0f} s",
                          flush=True)
        if heap_dump:
            # Live objects only, for a heap analyser: who holds what the histograms show growing.
            subprocess.run([jcmd, str(pid), "GC.heap_dump", str(Path(heap_dump).resolve())], capture_output=True, timeout=600, check=True)
        first = statistics.median(latencies[:window])
        last = statistics.median(latencies[-window:])
        result = {
            "cells": cells,
            "window": window,
            "median_ms_first_window": 1000 * first,
            "median_ms_last_window": 1000 * last,
            "latency_ratio": last / first,
            "heap_after_gc_first_window": samples[0]["heap_after_gc"],
            "heap_after_gc_end": samples[-1]["heap_after_gc"],
            "heap_ratio": samples[-1]["heap_after_gc"] / samples[0]["heap_after_gc"],
            "exec_heap_ratio": (samples[-1]["exec_heap_after_gc"] / samples[0]["exec_heap_after_gc"]
                                if samples[0]["exec_heap_after_gc"] and samples[-1]["exec_heap_after_gc"] else None),
            "samples": samples,
            "unexpected": unexpected[:20],
            "unexpected_count": len(unexpected),
            "seconds": time.time() - t_start,
            "java": jdk,
        }
        if out_path:
            out_path = Path(out_path)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = out_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, indent=2) + "\n")
            tmp.replace(out_path)
        return result
    finally:
        k.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--out", default=str(ROOT / "target" / "bench" / "soak.json"))
    ap.add_argument("--max-latency-ratio", type=float, default=1.15)
    ap.add_argument("--max-heap-ratio", type=float, default=1.20)
    ap.add_argument("--histograms", help="a folder for the kernel JVM's class histogram at each sample")
    ap.add_argument("--heap-dump", help="a file for the kernel JVM's heap (live objects, HPROF) at the end")
    a = ap.parse_args()
    r = run(a.cells, a.window, a.out, histograms=a.histograms, heap_dump=a.heap_dump)
    print(f"soak: {r['cells']} cells in {r['seconds']:.0f} s; median {r['median_ms_first_window']:.1f} ms (first {a.window}) -> "
          f"{r['median_ms_last_window']:.1f} ms (last {a.window}), ratio {r['latency_ratio']:.3f}; heap after GC "
          f"{r['heap_after_gc_first_window'] / 2**20:.1f} -> {r['heap_after_gc_end'] / 2**20:.1f} MiB, ratio {r['heap_ratio']:.3f}; "
          f"written to {a.out}")
    failed = []
    if r["unexpected_count"]:
        failed.append(f"{r['unexpected_count']} cells ended unexpectedly, first: {r['unexpected'][0]}")
    if r["latency_ratio"] > a.max_latency_ratio:
        failed.append(f"latency ratio {r['latency_ratio']:.3f} > {a.max_latency_ratio}")
    if r["heap_ratio"] > a.max_heap_ratio:
        failed.append(f"heap ratio {r['heap_ratio']:.3f} > {a.max_heap_ratio}")
    if failed:
        print("soak FAILED: " + "; ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
