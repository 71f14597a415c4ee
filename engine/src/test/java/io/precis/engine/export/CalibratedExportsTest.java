package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.algo.Gptq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.calib.Calibration;
import io.precis.engine.calib.PlanQuantizer;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPTQ and AWQ layers in the exports, on all-MiniLM-L6-v2 calibrated on 32 sentences: ONNX Runtime runs the QDQ
 * export against Precis's evaluation of the same calibrated plan; the compressed-tensors codes, scales and g_idx
 * are those of a separate {@link Gptq#quantize} run on the same Hessian.
 */
class CalibratedExportsTest {
    static Model model;
    static ModelInput batch;
    static List<ModelInput> calibration;
    static final ObjectMapper JSON = new ObjectMapper();
    static final QuantAlgorithm GPTQ_STATIC = new QuantAlgorithm.GptqAlgorithm(Gptq.Options.DEFAULT.actOrder(Gptq.ActOrder.STATIC));
    static final QuantAlgorithm GPTQ_DYNAMIC = new QuantAlgorithm.GptqAlgorithm(Gptq.Options.DEFAULT.actOrder(Gptq.ActOrder.DYNAMIC));

    @BeforeAll
    static void load() {
        model = Models.loadFromMaven(TestFiles.MINILM);
        SentenceSet all = Datasets.sentences(TestFiles.sentences());
        batch = batch(all.first(16));
        calibration = Calibration.on(all).samples(32).seed(7).inputs(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Rule rule(String pattern, String format, QuantAlgorithm a) {
        return OnnxQdqTest.rule(pattern, format).using(a);
    }

    static PlanQuantizer.Result calibrate(Plan plan) {
        return model.atFullPrecision(() -> PlanQuantizer.quantize(model, plan, calibration, false, null));
    }

    /** Precis's evaluation of the calibrated plan: its transforms swapped in, the model run. */
    static float[] evaluated(PlanQuantizer.Result q) {
        return model.atFullPrecision(() -> {
            try {
                q.transforms(model).forEach(model::swap);
                return model.forward(batch).values();
            } finally {
                model.restoreAll();
            }
        });
    }

    @Test
    void onnxRuntimeRunsGptqAndAwqLayersAsPrecisEvaluatesThem(@TempDir Path dir) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.layer.0.*", "int4 group 32", QuantAlgorithm.of("gptq")),
                rule("encoder.layer.1.*", "int4 group 32 asymmetric", GPTQ_STATIC),
                rule("encoder.layer.2.*", "int4 group 32", QuantAlgorithm.of("awq")),
                rule("encoder.layer.3.*", "int4", QuantAlgorithm.of("awq")),
                OnnxQdqTest.rule("encoder.layer.4.*", "int8")), SensitivityLookup.NONE);
        PlanQuantizer.Result q = calibrate(plan);
        assertEquals(24, q.weights().size());
        assertEquals(12, q.details().size(), "AWQ's scales kept for the export");
        Path file = dir.resolve("calibrated.onnx");
        OnnxQdq.Report report = OnnxQdq.write(plan, model, file, Calibrated.of(plan, q));
        assertTrue(report.describe().contains("12 AWQ layers"), report.describe());
        OnnxMl.ModelProto written = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(12, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Div") && n.getName().endsWith("_AwqScale")).count());
        assertEquals(30, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear")).count());

        float[] ort = OnnxQdqTest.runOrt(file, batch, "1");
        float[] precis = evaluated(q);
        // the same plan at round to nearest: the export must be closer to the calibrated evaluation than that
        Plan rtn = Planner.resolve(model.name(), model.layers(), List.of(
                OnnxQdqTest.rule("encoder.layer.0.*", "int4 group 32"), OnnxQdqTest.rule("encoder.layer.1.*", "int4 group 32 asymmetric"),
                OnnxQdqTest.rule("encoder.layer.2.*", "int4 group 32"), OnnxQdqTest.rule("encoder.layer.3.*", "int4"),
                OnnxQdqTest.rule("encoder.layer.4.*", "int8")), SensitivityLookup.NONE);
        float[] rtnOut = OnnxQdqTest.forwardWith(rtn, model, batch);
        double[] d = OnnxQdqTest.differences(ort, precis);
        double[] r = OnnxQdqTest.differences(rtnOut, precis);
        System.out.printf("GPTQ/AWQ QDQ export vs Precis's evaluation of the calibrated plan (16 sentences): max abs %.3g, max rel %.3g;"
                + " the RTN plan differs from it by max abs %.3g%n", d[0], d[1], r[0]);
        assertTrue(d[1] <= 1e-4, "relative difference " + d[1]);
        assertTrue(r[0] > 100 * d[0], "the comparison tells GPTQ/AWQ from RTN: " + r[0] + " vs " + d[0]);
    }

    @Test
    void dynamicActOrderRunsInOnnxRuntimeWithItsInputGatheredAndCalibratedLayersNeedTheirCalibration(@TempDir Path dir) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.layer.0.*", "int4 group 32", GPTQ_DYNAMIC),
                rule("encoder.layer.1.*", "int4 group 64 asymmetric", GPTQ_DYNAMIC)), SensitivityLookup.NONE);
        PlanQuantizer.Result q = calibrate(plan);
        assertEquals(12, q.details().size(), "g_idx kept for the export");
        Path file = dir.resolve("act-order.onnx");
        OnnxQdq.Report report = OnnxQdq.write(plan, model, file, Calibrated.of(plan, q));
        assertTrue(report.describe().contains("12 GPTQ layers with dynamic act-order"), report.describe());
        OnnxMl.ModelProto written = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(12, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gather") && n.getName().endsWith("_ActOrder")).count());
        float[] ort = OnnxQdqTest.runOrt(file, batch, "1");
        float[] precis = evaluated(q);
        double[] d = OnnxQdqTest.differences(ort, precis);
        System.out.printf("GPTQ dynamic act-order QDQ export (input gathered by group) vs Precis's evaluation: max abs %.3g, max rel %.3g%n", d[0], d[1]);
        assertTrue(d[1] <= 1e-4, "relative difference " + d[1]);

        Plan gptq = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.layer.0.attention.self.query", "int4 group 32", QuantAlgorithm.of("gptq"))), SensitivityLookup.NONE);
        String none = assertThrows(IllegalArgumentException.class, () -> OnnxQdq.write(gptq, model, dir.resolve("x.onnx"))).getMessage();
        assertTrue(none.contains("encoder.layer.0.attention.self.query") && none.contains("none was given"), none);
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }

    @Test
    void compressedTensorsHoldsGptqsOwnCodesScalesAndGroupIndex(@TempDir Path tmp) throws Exception {
        String dyn = "encoder.layer.1.intermediate.dense";
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.layer.0.*", "int4 group 32 grid compressed-tensors", QuantAlgorithm.of("gptq")),
                rule(dyn, "int4 group 64 grid compressed-tensors", GPTQ_DYNAMIC),
                OnnxQdqTest.rule("encoder.layer.2.*", "int8 grid compressed-tensors")), SensitivityLookup.NONE);
        PlanQuantizer.Result q = calibrate(plan);
        Path dir = tmp.resolve("ct");
        CompressedTensors.write(plan, model, dir, Calibrated.of(plan, q));
        Map<String, Safetensors.Tensor> st = Safetensors.read(Files.readAllBytes(dir.resolve("model.safetensors")));
        int checked = 0;
        for (String name : List.of("encoder.layer.0.attention.self.value", "encoder.layer.0.output.dense", dyn)) {
            LayerRef layer = model.layer(name);
            int in = (int) layer.weight().shape()[0], out = (int) layer.weight().shape()[1];
            float[] w = transpose(model.fullPrecisionWeights(layer.weight()), in, out);       // [out][in]
            float[] h = Calibration.capture(model, calibration, List.of(layer), true, null).get(name).hessian();
            boolean dynamic = name.equals(dyn);
            Gptq.Result g = Gptq.quantize(w, out, in, h, Formats.parse(dynamic ? "int4 group 64 grid compressed-tensors"
                    : "int4 group 32 grid compressed-tensors"), dynamic ? ((QuantAlgorithm.GptqAlgorithm) GPTQ_DYNAMIC).options() : Gptq.Options.DEFAULT);
            assertArrayEquals(g.codes(), unpack(st.get(name + ".weight_packed"), out, in, 4), name + ": the checkpoint's codes are GPTQ's");
            float[] scales = CompressedTensorsTest.floats(st.get(name + ".weight_scale"));
            assertArrayEquals(g.scales(), scales, name + ": GPTQ's scales");
            assertEquals(dynamic, st.containsKey(name + ".weight_g_idx"));
            if (dynamic) {
                ByteBuffer b = ByteBuffer.wrap(st.get(name + ".weight_g_idx").data()).order(ByteOrder.LITTLE_ENDIAN);
                int[] gIdx = new int[in];
                for (int c = 0; c < in; c++) gIdx[c] = b.getInt();
                assertArrayEquals(g.groupOfColumn(), gIdx);
                assertFalse(java.util.stream.IntStream.range(1, in).allMatch(c -> gIdx[c] >= gIdx[c - 1]), "act-order scatters the groups");
            }
            // dequantized as compressed-tensors does (scale of column c: group g_idx[c]), it is the evaluated weight
            float[] evaluated = q.weights().get(layer.weight().name());
            int[] codes = g.codes();
            int groups = scales.length / out;
            for (int r = 0; r < out; r++)
                for (int c = 0; c < in; c++) {
                    int k = r * groups + (dynamic ? g.groupOfColumn()[c] : c / (in / groups));
                    assertEquals(evaluated[c * out + r], codes[r * in + c] * scales[k], name + " [" + r + "," + c + "]");
                }
            checked++;
        }
        assertEquals(3, checked);
        JsonNode groups = JSON.readTree(dir.resolve("config.json").toFile()).get("quantization_config").get("config_groups");
        assertEquals(3, groups.size());
        assertEquals("group", groups.get("group_1").get("weights").get("actorder").asText());
        String recipe = Files.readString(dir.resolve("recipe.yaml"));
        assertTrue(recipe.contains("GPTQModifier:\n      block_size: 128\n      dampening_frac: 0.01\n      actorder: null")
                && recipe.contains("actorder: group") && recipe.contains("QuantizationModifier:") && recipe.contains("# Precis calibrated on")
                && recipe.contains("num_bits: 8"), recipe);
    }

    @Test
    void awqIsRefusedByCompressedTensorsAndModelOptSaysAwqLiteButNoGptq(@TempDir Path tmp) throws Exception {
        Plan awq = Planner.resolve(model.name(), model.layers(), List.of(rule("encoder.layer.0.*", "int4 group 32", QuantAlgorithm.of("awq"))),
                SensitivityLookup.NONE);
        String m = assertThrows(IllegalArgumentException.class, () -> CompressedTensors.write(awq, model, tmp.resolve("ct"), Calibrated.none(awq))).getMessage();
        assertTrue(m.contains("these 6 layers") && m.contains("AWQ scales") && m.contains("norm"), m);
        assertFalse(Files.exists(tmp.resolve("ct")));

        ModelOptConfig.Report r = ModelOptConfig.write(awq, model, tmp.resolve("awq.json"));
        JsonNode alg = JSON.readTree(tmp.resolve("awq.json").toFile()).get("algorithm");
        assertEquals("awq_lite", alg.get("method").asText());
        assertEquals(0.05, alg.get("alpha_step").asDouble(), 1e-12);
        assertTrue(r.describe().contains("awq_lite"), r.describe());

        Plan mixed = Planner.resolve(model.name(), model.layers(), List.of(rule("encoder.layer.0.*", "int4 group 32", QuantAlgorithm.of("awq")),
                OnnxQdqTest.rule("encoder.layer.1.output.dense", "int8"), rule("encoder.layer.2.output.dense", "int4", QuantAlgorithm.of("gptq"))),
                SensitivityLookup.NONE);
        String mm = assertThrows(IllegalArgumentException.class, () -> ModelOptConfig.write(mixed, model, tmp.resolve("m.json"))).getMessage();
        assertTrue(mm.contains("encoder.layer.2.output.dense") && mm.contains("no GPTQ"), mm);
        Plan mixedRtn = Planner.resolve(model.name(), model.layers(), List.of(rule("encoder.layer.0.*", "int4 group 32", QuantAlgorithm.of("awq")),
                OnnxQdqTest.rule("encoder.layer.1.output.dense", "int8")), SensitivityLookup.NONE);
        String mr = assertThrows(IllegalArgumentException.class, () -> ModelOptConfig.write(mixedRtn, model, tmp.resolve("m.json"))).getMessage();
        assertTrue(mr.contains("this layer") && mr.contains("encoder.layer.1.output.dense") && mr.contains("one algorithm"), mr);
        assertFalse(Files.exists(tmp.resolve("m.json")));
    }

    static Rule inputs(String pattern, io.precis.engine.algo.ActivationQuant.Granularity g, boolean dynamic) {
        return Rule.activations("quantize activations of " + pattern, List.of(LayerPattern.glob(pattern)), new io.precis.engine.plan.ActivationSpec(g, dynamic));
    }

    /** int8 weights; every kind of quantized input in the first layer (Q, K and V share theirs) and the last. */
    static Plan w8a8(boolean everyLayer) {
        var token = io.precis.engine.algo.ActivationQuant.Granularity.PER_TOKEN;
        var tensor = io.precis.engine.algo.ActivationQuant.Granularity.PER_TENSOR;
        return Planner.resolve(model.name(), model.layers(), everyLayer ? List.of(
                OnnxQdqTest.rule("encoder.*", "int8"),
                inputs("encoder.layer.[0-2].*", token, true),
                inputs("encoder.layer.[34].*", tensor, false),
                inputs("encoder.layer.5.*", tensor, true)) : List.of(
                OnnxQdqTest.rule("encoder.*", "int8"),
                inputs("encoder.layer.0.attention.self.*", token, true),
                inputs("encoder.layer.0.attention.output.dense", tensor, false),
                inputs("encoder.layer.0.intermediate.dense", tensor, true),
                inputs("encoder.layer.5.output.dense", tensor, false)), SensitivityLookup.NONE);
    }

    /** Precis's evaluation: the plan's weights swapped in and the inputs fake-quantized inside the model's own graph. */
    static float[][] evaluatedW8A8(Plan plan, Calibrated c) {
        Map<LayerRef, io.precis.engine.algo.ActivationQuant> acts = new java.util.LinkedHashMap<>();
        c.activations().forEach((n, q) -> acts.put(model.layer(n), q));
        plan.applyTo(model);
        try {
            float[] weightsOnly = model.forward(batch).values();
            model.quantizeActivations(acts, Map.of());
            try {
                return new float[][] {model.forward(batch).values(), weightsOnly};
            } finally {
                model.quantizeActivations(Map.of(), Map.of());
            }
        } finally {
            model.restoreAll();
        }
    }

    @Test
    void onnxRuntimeRunsW8A8AsPrecisEvaluatesIt(@TempDir Path dir) throws Exception {
        Plan plan = w8a8(false);
        assertEquals(6, plan.activations().size());
        Calibrated c = Calibrated.compute(model, plan, calibration, false);
        Path file = dir.resolve("w8a8.onnx");
        OnnxQdq.Report report = OnnxQdq.write(plan, model, file, c);
        assertTrue(report.describe().contains("6 layers with int8 inputs (4 quantized tensors)"), report.describe());
        OnnxMl.ModelProto written = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(2, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear")).count(), "static inputs");
        float[] ort = OnnxQdqTest.runOrt(file, batch, "1");
        float[][] precis = evaluatedW8A8(plan, c);
        double[] d = OnnxQdqTest.differences(ort, precis[0]);
        double[] a = OnnxQdqTest.differences(precis[1], precis[0]);
        System.out.printf("W8A8 QDQ export vs Precis's evaluation (6 quantized inputs, 16 sentences): max abs %.3g, max rel %.3g; quantizing"
                + " those inputs moves outputs by max abs %.3g%n", d[0], d[1], a[0]);
        assertTrue(d[1] <= 1e-4, "relative difference " + d[1]);
        assertTrue(a[0] > 100 * d[0], "the comparison sees the inputs' quantization: " + a[0] + " vs " + d[0]);

        // every layer's input quantized: float rounding differences of 1e-7 flip a few codes, and 36 quantizers in a row
        // carry the flips on; ONNX Runtime with and without its graph optimizations disagree with each other about as much
        Plan all = w8a8(true);
        Calibrated ca = Calibrated.compute(model, all, calibration, false);
        Path allFile = dir.resolve("w8a8-all.onnx");
        OnnxQdq.write(all, model, allFile, ca);
        float[] ortAll = OnnxQdqTest.runOrt(allFile, batch, "1"), ortPlain = OnnxQdqTest.runOrt(allFile, batch, "1", true);
        float[][] precisAll = evaluatedW8A8(all, ca);
        System.out.printf("W8A8 with all 36 inputs quantized: ORT vs Precis max rel %.3g, ORT without graph optimizations vs Precis %.3g,"
                + " ORT vs ORT without optimizations %.3g; the inputs' quantization itself moves outputs by max rel %.3g%n",
                OnnxQdqTest.differences(ortAll, precisAll[0])[1], OnnxQdqTest.differences(ortPlain, precisAll[0])[1],
                OnnxQdqTest.differences(ortAll, ortPlain)[1], OnnxQdqTest.differences(precisAll[1], precisAll[0])[1]);
    }

    @Test
    void compressedTensorsAndModelOptWriteTheInputQuantizers(@TempDir Path tmp) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                OnnxQdqTest.rule("encoder.*", "int8 grid compressed-tensors"),
                inputs("encoder.layer.0.*", io.precis.engine.algo.ActivationQuant.Granularity.PER_TOKEN, true),
                inputs("encoder.layer.1.*", io.precis.engine.algo.ActivationQuant.Granularity.PER_TENSOR, false)), SensitivityLookup.NONE);
        Calibrated c = Calibrated.compute(model, plan, calibration, false);
        Path dir = tmp.resolve("w8a8");
        CompressedTensors.write(plan, model, dir, c);
        JsonNode qc = JSON.readTree(dir.resolve("config.json").toFile()).get("quantization_config");
        assertEquals("mixed-precision", qc.get("format").asText());
        JsonNode g0 = qc.get("config_groups").get("group_0"), g1 = qc.get("config_groups").get("group_1");
        assertEquals("int-quantized", g0.get("format").asText());
        assertEquals("token", g0.get("input_activations").get("strategy").asText());
        assertTrue(g0.get("input_activations").get("dynamic").asBoolean());
        assertEquals("tensor", g1.get("input_activations").get("strategy").asText());
        assertFalse(g1.get("input_activations").get("dynamic").asBoolean());
        assertEquals("pack-quantized", qc.get("config_groups").get("group_2").get("format").asText());
        Map<String, Safetensors.Tensor> st = Safetensors.read(Files.readAllBytes(dir.resolve("model.safetensors")));
        String l = "encoder.layer.1.attention.self.key";
        float inputScale = CompressedTensorsTest.floats(st.get(l + ".input_scale"))[0];
        assertEquals(c.activations().get(l).staticScale(), inputScale);
        assertFalse(st.containsKey("encoder.layer.0.attention.self.key.input_scale"), "dynamic: no scale stored");
        // int-quantized weights: int8 codes [out, in] times the per-channel scale are the fake-quantized weights
        Safetensors.Tensor w = st.get(l + ".weight");
        assertEquals("I8", w.dtype());
        float[] scale = CompressedTensorsTest.floats(st.get(l + ".weight_scale"));
        LayerRef layer = model.layer(l);
        float[] expected = model.fullPrecisionWeights(layer.weight());
        io.precis.engine.model.WeightTransform.fitted(plan.layer(l).orElseThrow().format(), layer.weight()).fakeQuantize(expected, QuantizedWeights.dims(layer.weight()));
        int in = (int) layer.weight().shape()[0], out = (int) layer.weight().shape()[1];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) assertEquals(expected[i * out + o], w.data()[o * in + i] * scale[o], l + " [" + o + "," + i + "]");
        String recipe = Files.readString(dir.resolve("recipe.yaml"));
        assertTrue(recipe.contains("input_activations: {num_bits: 8, type: int, symmetric: true, strategy: token, dynamic: true}"), recipe);

        Plan statics = Planner.resolve(model.name(), model.layers(), List.of(OnnxQdqTest.rule("encoder.layer.1.*", "int8"),
                inputs("encoder.layer.1.*", io.precis.engine.algo.ActivationQuant.Granularity.PER_TENSOR, false)), SensitivityLookup.NONE);
        ModelOptConfig.write(statics, model, tmp.resolve("cfg.json"));
        JsonNode q = JSON.readTree(tmp.resolve("cfg.json").toFile()).get("quant_cfg");
        assertTrue(q.get("*encoder.layer.1.output.dense.input_quantizer").get("enable").asBoolean());
        assertEquals(8, q.get("*encoder.layer.1.output.dense.input_quantizer").get("num_bits").asInt());
        Plan dynamic = Planner.resolve(model.name(), model.layers(), List.of(OnnxQdqTest.rule("encoder.layer.0.*", "int8"),
                inputs("encoder.layer.0.*", io.precis.engine.algo.ActivationQuant.Granularity.PER_TOKEN, true)), SensitivityLookup.NONE);
        String m = assertThrows(IllegalArgumentException.class, () -> ModelOptConfig.write(dynamic, model, tmp.resolve("no.json"))).getMessage();
        assertTrue(m.contains("encoder.layer.0.attention.self.query (input int8 per token dynamic)") && m.contains("dynamic"), m);
    }

    /** The sentences as one padded batch of token ids. */
    static ModelInput batch(SentenceSet s) {
        return ModelInput.Tokens.of(model.tokenizer(), s.sentences());
    }

    /** compressed-tensors' unpack_from_int32 (dense) of [rows, cols] codes, offset back to signed. */
    static int[] unpack(Safetensors.Tensor packed, int rows, int cols, int bits) {
        int words = (int) packed.shape()[1], offset = 1 << (bits - 1);
        ByteBuffer pb = ByteBuffer.wrap(packed.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] codes = new int[rows * cols], row = new int[words];
        for (int r = 0; r < rows; r++) {
            for (int w = 0; w < words; w++) row[w] = pb.getInt((r * words + w) * 4);
            for (int c = 0; c < cols; c++) codes[r * cols + c] = CompressedTensorsTest.bitsAt(row, (long) c * bits, bits) - offset;
        }
        return codes;
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
