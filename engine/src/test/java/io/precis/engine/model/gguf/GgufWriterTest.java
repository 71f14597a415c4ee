package io.precis.engine.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.Models;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF out: exact copies, mixed-precision exports read back by the gguf package, clear errors. */
class GgufWriterTest {

    @Test
    void copiesAFileTensorForTensorAndKeyForKey(@TempDir Path tmp) throws Exception {
        GgufFile src = GgufFile.open(GgufFileTest.REF);
        List<GgufWriter.Tensor> ts = new ArrayList<>();
        for (GgufTensor t : src.tensors().values()) ts.add(GgufWriter.Tensor.stored(t.name(), t.ne(), t.type(), () -> src.raw(t)));
        Path out = tmp.resolve("copy.gguf");
        GgufWriter.write(out, src.metadata(), ts, src.alignment());
        GgufFile back = GgufFile.open(out);
        assertEquals(src.metadata().keySet(), back.metadata().keySet());
        src.metadata().forEach((k, v) -> assertEquals(v.toString(), back.get(k).toString(), k));
        for (GgufTensor t : src.tensors().values()) {
            assertArrayEquals(src.raw(t).array(), back.raw(back.tensor(t.name())).array(), t.name());
            assertArrayEquals(t.ne(), back.tensor(t.name()).ne());
        }
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void exportsAMixedPlanThatTheGgufPackageAndPrecisReadBack(@TempDir Path tmp) throws Exception {
        Path file = TinyGguf.write(tmp.resolve("tiny.gguf"), 11, false);
        Map<String, Format> plan = new LinkedHashMap<>();
        plan.put("blk.0.ffn_up", Formats.parse("q6_k"));
        plan.put("blk.1.attn_q", Formats.parse("q8_0"));
        plan.put("blk.0.attn_output", Formats.parse("fp16"));
        plan.put("blk.1.ffn_down", Formats.parse("q3_k"));
        plan.put("blk.1.ffn_gate", Formats.parse("q5_1"));
        plan.put("output", Formats.parse("q4_0"));
        Path out = tmp.resolve("mixed.gguf");
        TextCorpus text = Datasets.text(Path.of("../models/data/sentences.txt")).withContext(32);
        double predicted;
        Map<String, float[]> expected = new LinkedHashMap<>();
        try (Model m = Models.load(file)) {
            GgufWriter.write(m, plan, out);
            for (Map.Entry<String, Format> e : plan.entrySet()) {
                TensorRef t = m.layer(e.getKey()).weight();
                float[] w = m.fullPrecisionWeights(t);
                long[] s = t.shape();
                WeightTransform.fitted(e.getValue(), t).fakeQuantize(w, (int) s[0], (int) s[1]);
                expected.put(t.name(), w);
                m.swap(m.layer(e.getKey()), WeightTransform.fakeQuantize(e.getValue()));
            }
            predicted = new Evaluator(m, text, 4, 0, 6).evaluate().get(Metric.PERPLEXITY);
        }
        // the gguf package reads every exported tensor as Precis's fake-quantized weights, in the planned types
        Path python = GgufModelTest.PYTHON;
        assumeTrue(Files.isExecutable(python), "no project venv (make venv)");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "../tests/reference/gguf_dump.py", out.toString(), tmp.toString()));
        cmd.addAll(expected.keySet());
        cmd.add("blk.0.attn_q.weight");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        JsonNode info = new ObjectMapper().readTree(tmp.resolve("info.json").toFile());
        Map<String, String> wantTypes = Map.of("blk.0.ffn_up.weight", "Q6_K", "blk.1.attn_q.weight", "Q8_0", "blk.0.attn_output.weight", "F16",
                "blk.1.ffn_down.weight", "Q3_K", "blk.1.ffn_gate.weight", "Q5_1", "output.weight", "Q4_0", "blk.0.attn_q.weight", "Q4_K");
        wantTypes.forEach((n, t) -> assertEquals(t, info.get(n).get("type").asText(), n));
        for (Map.Entry<String, float[]> e : expected.entrySet())
            GgufFileTest.assertBitsEqual(e.getValue(), GgufFileTest.floats(tmp.resolve(e.getKey() + ".f32")), e.getKey());
        // metadata and tokenizer copied; Precis re-loading the export measures the perplexity it predicted
        GgufFile back = GgufFile.open(out);
        GgufFile orig = GgufFile.open(file);
        assertEquals(orig.get("tokenizer.ggml.merges").asStrings(), back.get("tokenizer.ggml.merges").asStrings());
        assertEquals(orig.metadata().size(), back.metadata().size());
        try (Model again = Models.load(out)) {
            double measured = new Evaluator(again, text, 4, 0, 6).evaluate().get(Metric.PERPLEXITY);
            assertEquals(predicted, measured, 1e-9 * predicted);
        }
    }

    @Test
    void formatsWithoutAGgufTypeAreAnErrorNamingTheLayers(@TempDir Path tmp) {
        Path file = TinyGguf.write(tmp.resolve("tiny.gguf"), 2, true);
        Path out = tmp.resolve("never.gguf");
        try (Model m = Models.load(file)) {
            Map<String, Format> plan = new LinkedHashMap<>();
            plan.put("blk.0.attn_q", Formats.parse("q4_k"));
            plan.put("blk.0.ffn_up", Formats.int4());
            plan.put("blk.1.attn_v", Formats.mxfp4());
            plan.put("blk.1.ffn_gate", Formats.parse("q4_k axis 0"));
            ModelException e = assertThrows(ModelException.class, () -> GgufWriter.write(m, plan, out));
            assertTrue(e.getMessage().contains("blk.0.ffn_up (int4)") && e.getMessage().contains("blk.1.attn_v (mxfp4)")
                    && e.getMessage().contains("blk.1.ffn_gate (q4_k axis 0)") && !e.getMessage().contains("attn_q"), e.getMessage());
            assertFalse(Files.exists(out));
        }
        try (Model onnxLike = Models.load(Path.of("../models/trained/fashion-mlp-0000.params"))) {
            ModelException e = assertThrows(ModelException.class, () -> GgufWriter.write(onnxLike, Map.of(), out));
            assertTrue(e.getMessage().contains("only a model loaded from a GGUF file"), e.getMessage());
        }
    }
}
