package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QDQ export of all-MiniLM-L6-v2 run by ONNX Runtime in this process (its own session on the written file,
 * not Precis's loader), against Precis's fake-quant evaluation of the same plan on the same sentences.
 */
class OnnxQdqTest {
    static Model model;
    static ModelInput batch;

    @BeforeAll
    static void load() {
        model = Models.loadFromMaven(TestFiles.MINILM);
        SentenceSet s = Datasets.sentences(TestFiles.sentences()).first(16);
        batch = batch(s);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The model's output with the plan's weights swapped in (round to nearest), the weights restored after. */
    static float[] forwardWith(Plan plan, Model model, ModelInput input) {
        plan.applyTo(model);
        try {
            return model.forward(input).values();
        } finally {
            model.restoreAll();
        }
    }

    static Rule rule(String pattern, String format) {
        return Rule.quantize("quantize " + pattern + " to " + format, List.of(LayerPattern.glob(pattern)), Formats.parse(format));
    }

    /** Every kind of grid the export writes: int8 and int4 per channel, int4 groups symmetric and asymmetric, int3, compressed-tensors' grid, an embedding. */
    static Plan mixedPlan() {
        return Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.*", "int4 group 128 grid compressed-tensors"),
                rule("encoder.layer.0.*", "int8"),
                rule("encoder.layer.1.*", "int4 group 32 asymmetric"),
                rule("encoder.layer.2.*", "int4"),
                rule("encoder.layer.3.*", "int3 group 64"),
                rule("encoder.layer.4.attention.*", "int8 asymmetric per tensor"),
                rule("embeddings.word_embeddings", "int8")), SensitivityLookup.NONE);
    }

    @Test
    void onnxRuntimeRunsTheExportAndMatchesTheFakeQuantEvaluation(@TempDir Path dir) throws Exception {
        Plan plan = mixedPlan();
        assertEquals(37, plan.quantized().size());
        Path file = dir.resolve("minilm-qdq.onnx");
        OnnxQdq.Report report = OnnxQdq.write(plan, model, file);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        assertEquals(37, report.tensors());
        assertTrue(report.describe().contains("raised from 11"), report.describe());
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("int3 codes in INT4")), report.notes().toString());

        OnnxMl.ModelProto written = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(21, OnnxOpset.of(written));
        Map<Integer, Integer> codeTypes = new HashMap<>();
        for (OnnxMl.TensorProto t : written.getGraph().getInitializerList())
            if (t.getName().endsWith("_quantized")) codeTypes.merge(t.getDataType(), 1, Integer::sum);
        // INT4 (22) for int4/int3 symmetric, UINT4 (21) for asymmetric int4, INT8 (3), UINT8 (2)
        assertEquals(Map.of(22, 6 + 6 + 2 + 6, 21, 6, 3, 7, 2, 4), codeTypes);
        long dq = written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear")).count();
        assertEquals(37, dq);
        assertTrue(Files.size(file) < 0.4 * 90_900_000, "int8/int4 codes instead of float32: " + Files.size(file));

        // ONNX Runtime fuses blocked int4 DequantizeLinear + MatMul into MatMulNBits, which by default
        // (accuracy level 4) also rounds the activations to int8; level 1 keeps them float32, as the plan does
        float[] exported = runOrt(file, batch, "1");
        float[] ortDefault = runOrt(file, batch);
        float[] fakeQuant = forwardWith(plan, model, batch);
        float[] full = model.forward(batch).values();
        double[] d = differences(exported, fakeQuant);
        double[] q = differences(full, fakeQuant);
        double[] dd = differences(ortDefault, fakeQuant);
        System.out.printf("QDQ export vs fake-quant (16 sentences, 384-d embeddings): max abs %.3g, max rel %.3g; with ORT's default "
                + "int8-activation MatMulNBits: max abs %.3g, max rel %.3g; quantization itself moves outputs by max abs %.3g%n",
                d[0], d[1], dd[0], dd[1], q[0]);
        assertTrue(d[1] <= 1e-4, "relative difference " + d[1]);
        assertTrue(dd[1] <= 0.1, "ORT's default still runs the same weights: " + dd[1]);
        assertTrue(q[0] > 100 * d[0], "the comparison can tell a quantized model from the original: " + q[0] + " vs " + d[0]);
    }

    @Test
    void anEmptyPlanGivesTheOriginalModelAtOpset21(@TempDir Path dir) throws Exception {
        Plan none = Planner.resolve(model.name(), model.layers(), List.of(), SensitivityLookup.NONE);
        Path file = dir.resolve("same.onnx");
        OnnxQdq.write(none, model, file);
        double[] d = differences(runOrt(file, batch), model.forward(batch).values());
        assertTrue(d[0] < 1e-5, "the raised graph computes what the original does: " + d[0]);
    }

    @Test
    void formatsQdqCannotHoldAreRefusedByLayerAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.*", "int4 group 32"),
                rule("encoder.layer.0.attention.self.query", "mxfp4"),
                rule("encoder.layer.1.output.dense", "q4_k"),
                rule("encoder.layer.2.intermediate.dense", "nf4")), SensitivityLookup.NONE);
        Path file = dir.resolve("x.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxQdq.write(plan, model, file));
        String m = e.getMessage();
        assertTrue(m.contains("these 3 layers") && m.contains("encoder.layer.0.attention.self.query (mxfp4)")
                && m.contains("floating-point element") && m.contains("encoder.layer.1.output.dense (q4_k)") && m.contains("llama.cpp")
                && m.contains("encoder.layer.2.intermediate.dense (nf4)") && m.contains("lookup table") && m.contains("nothing was written"), m);
        assertFalse(m.contains("encoder.layer.0.attention.self.key"), m);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void prunedLayersAreRefusedByEveryDenseExport(@TempDir Path dir) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.*", "int8"),
                Rule.prune("prune", List.of(LayerPattern.glob("encoder.layer.3.output.dense")),
                        io.precis.engine.algo.Sparsity.semiStructured(2, 4))), SensitivityLookup.NONE);
        for (String kind : List.of("onnx", "modelopt")) {
            Path file = dir.resolve("x." + kind);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                if (kind.equals("onnx")) {
                    OnnxQdq.write(plan, model, file);
                } else {
                    ModelOptConfig.write(plan, model, file);
                }
            });
            assertTrue(e.getMessage().contains("encoder.layer.3.output.dense") && e.getMessage().contains("pruned"), e.getMessage());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    static float[] runOrt(Path file, ModelInput input) throws Exception {
        return runOrt(file, input, null);
    }

    static float[] runOrt(Path file, ModelInput input, String accuracyLevel) throws Exception {
        return runOrt(file, input, accuracyLevel, false);
    }

    /** {@code noOptimization}: ORT's graph optimizations off (no fusions, the graph's own float arithmetic). */
    static float[] runOrt(Path file, ModelInput input, String accuracyLevel, boolean noOptimization) throws Exception {
        ModelInput.Tokens tok = (ModelInput.Tokens) input;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            if (accuracyLevel != null) so.addConfigEntry("session.qdq_matmulnbits_accuracy_level", accuracyLevel);
            if (noOptimization) so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(file.toString(), so)) {
            long[] shape = {tok.size(), tok.length()};
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(flat(tok.ids())), shape));
                feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(flat(tok.mask())), shape));
                if (s.getInputNames().contains("token_type_ids"))
                    feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[tok.size() * tok.length()]), shape));
                try (OrtSession.Result r = s.run(feed)) {
                    OnnxTensor out = (OnnxTensor) r.get(0);
                    long[] sh = out.getInfo().getShape();
                    FloatBuffer fb = out.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    return meanPool(v, sh, tok.mask());
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
            }
        }
    }

    /** Sentence embeddings as the model card defines them: the mean of the real tokens' last hidden states. */
    static float[] meanPool(float[] v, long[] shape, long[][] mask) {
        int b = (int) shape[0], t = (int) shape[1], h = (int) shape[2];
        float[] out = new float[b * h];
        for (int i = 0; i < b; i++) {
            double[] acc = new double[h];
            int n = 0;
            for (int j = 0; j < t; j++) {
                if (mask[i][j] == 0) continue;
                n++;
                for (int k = 0; k < h; k++) acc[k] += v[(i * t + j) * h + k];
            }
            for (int k = 0; k < h; k++) out[i * h + k] = (float) (acc[k] / Math.max(1, n));
        }
        return out;
    }

    /** {max |a − b|, max |a − b| / max |b|}. */
    static double[] differences(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double max = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return new double[] {max, max / scale};
    }

    static long[] flat(long[][] m) {
        List<Long> out = new ArrayList<>();
        for (long[] r : m) for (long v : r) out.add(v);
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static ModelInput batch(SentenceSet s) {
        return ModelInput.Tokens.of(model.tokenizer(), s.sentences());
    }
}
