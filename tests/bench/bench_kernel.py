"""make bench-kernel: start-up and execute round trip of the Precis kernel, with ipykernel measured in the
same run as the reference. Writes a JSON list of {name, value, unit, reference, ratio, target}, ratio being
reference / value (above 1: faster than ipykernel).

    python tests/bench/bench_kernel.py --out target/bench/kernel.json
"""
import argparse
import json
import os
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import KernelManager


def time_to_first_reply(kernel_name, env):
    """Seconds from asking Jupyter to start the kernel to its first kernel_info_reply."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel(env=env)
    kc = km.blocking_client()
    kc.start_channels()
    try:
        while True:
            kc.kernel_info()
            try:
                m = kc.get_shell_msg(timeout=0.02)
            except queue.Empty:
                continue
            if m["msg_type"] == "kernel_info_reply":
                return time.perf_counter() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def round_trips(kernel_name, env, code, warmup, n, idle=0.0):
    """Milliseconds from execute_request to both execute_reply and the idle status, n times after warm-up;
    with `idle`, the first request comes that many seconds after the kernel is ready (a user reading)."""
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(env=env)
    kc = km.blocking_client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    time.sleep(idle)
    try:
        times = []
        for i in range(warmup + n):
            t0 = time.perf_counter()
            msg_id = kc.execute(code)
            replied = idle = False
            while not (replied and idle):
                if not replied:
                    try:
                        m = kc.get_shell_msg(timeout=0.001 if idle else 0)
                        replied = m["parent_header"].get("msg_id") == msg_id
                    except queue.Empty:
                        pass
                if not idle:
                    try:
                        m = kc.get_iopub_msg(timeout=0.001)
                        idle = (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                                and m["content"]["execution_state"] == "idle")
                    except queue.Empty:
                        pass
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def entry(name, value, unit, reference, target):
    # ratio: the reference's time over ours, as every Precis bench reports it (above 1: faster than the reference)
    return {"name": name, "value": round(value, 4), "unit": unit, "reference": round(reference, 4),
            "ratio": round(reference / value, 3), "target": target}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--kernel", default="precis")
    ap.add_argument("--reference", default="python3")
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds between ready and the first cell, second series")
    args = ap.parse_args()
    env = dict(os.environ, PRECIS_HISTORY_DIR=tempfile.mkdtemp(prefix="precis-bench-"))

    ready = {k: statistics.median(time_to_first_reply(k, env) for _ in range(args.starts)) for k in (args.kernel, args.reference)}
    rt = {k: statistics.median(round_trips(k, env, "1+1", args.warmup, args.n)) for k in (args.kernel, args.reference)}
    rt_idle = {k: statistics.median(round_trips(k, env, "1+1", args.warmup, args.n, idle=args.idle))
               for k in (args.kernel, args.reference)}
    results = [
        entry("kernel_ready_to_first_kernel_info_reply", ready[args.kernel], "s", ready[args.reference], "<= 1.0 s"),
        entry("execute_1plus1_round_trip_median", rt[args.kernel], "ms", rt[args.reference], "<= 10 ms"),
        entry(f"execute_1plus1_round_trip_median_after_{args.idle:g}s_idle", rt_idle[args.kernel], "ms",
              rt_idle[args.reference], "<= 10 ms"),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(args.out)
    for r in results:
        print(f"{r['name']}: {r['value']} {r['unit']} (ipykernel {r['reference']} {r['unit']}, ratio {r['ratio']}, target {r['target']})")
    print(f"written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
