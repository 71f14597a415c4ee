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
        OnnxQdq.Report report = OnnxQdq.write(plan, model, file, q);
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
        rtn.applyTo(model);
        float[] rtnOut;
        try {
            rtnOut = model.forward(batch).values();
        } finally {
            model.restoreAll();
        }
        double[] d = OnnxQdqTest.differences(ort, precis);
        double[] r = OnnxQdqTest.differences(rtnOut, precis);
        System.out.printf("GPTQ/AWQ QDQ export vs Precis's evaluation of the calibrated plan (16 sentences): max abs %.3g, max rel %.3g;"
                + " the RTN plan differs from it by max abs %.3g%n", d[0], d[1], r[0]);
        assertTrue(d[1] <= 1e-4, "relative difference " + d[1]);
        assertTrue(r[0] > 100 * d[0], "the comparison tells GPTQ/AWQ from RTN: " + r[0] + " vs " + d[0]);
    }

    @Test
    void dynamicActOrderIsRefusedByQdqAndCalibratedLayersNeedTheirCalibration(@TempDir Path dir) {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                rule("encoder.layer.0.attention.self.query", "int4 group 32", GPTQ_DYNAMIC)), SensitivityLookup.NONE);
        String m = assertThrows(IllegalArgumentException.class, () -> OnnxQdq.write(plan, model, dir.resolve("x.onnx"), calibrate(plan))).getMessage();
        assertTrue(m.contains("encoder.layer.0.attention.self.query") && m.contains("dynamic act-order") && m.contains("g_idx"), m);
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
        CompressedTensors.write(plan, model, dir, q);
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
        String m = assertThrows(IllegalArgumentException.class, () -> CompressedTensors.write(awq, model, tmp.resolve("ct"), null)).getMessage();
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

    /** The sentences as one padded batch of token ids. */
    static ModelInput batch(SentenceSet s) {
        long[][] ids = new long[s.size()][];
        int len = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = model.tokenizer().encode(s.sentences().get(i));
            len = Math.max(len, ids[i].length);
        }
        long[][] padded = new long[ids.length][len], mask = new long[ids.length][len];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, padded[i], 0, ids[i].length);
            java.util.Arrays.fill(mask[i], 0, ids[i].length, 1);
        }
        return new ModelInput.Tokens(padded, mask);
    }

    /** compressed-tensors' unpack_from_int32 of [rows, cols] codes, offset back to signed. */
    static int[] unpack(Safetensors.Tensor packed, int rows, int cols, int bits) {
        int words = (int) packed.shape()[1], pf = 32 / bits, offset = 1 << (bits - 1), mask = (1 << bits) - 1;
        ByteBuffer pb = ByteBuffer.wrap(packed.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int w = 0; w < words; w++) {
                int word = pb.getInt((r * words + w) * 4);
                for (int j = 0; j < pf && w * pf + j < cols; j++) codes[r * cols + w * pf + j] = ((word >>> (bits * j)) & mask) - offset;
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
