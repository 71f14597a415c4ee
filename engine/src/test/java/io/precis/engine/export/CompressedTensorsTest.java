package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
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
 * compressed-tensors checkpoints and recipes, and ModelOpt configs, of MiniLM plans, read back: the packed codes
 * are unpacked here as compressed-tensors' {@code unpack_from_int32} does and dequantized as its
 * {@code dequantize} does, which must give the fake-quantized weights bit for bit.
 */
class CompressedTensorsTest {
    static Model model;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void load() {
        model = Models.loadFromMaven(TestFiles.MINILM);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aMixedPlanIsWrittenAndReadsBackToTheFakeQuantWeights(@TempDir Path tmp) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                OnnxQdqTest.rule("encoder.layer.0.*", "int4 group 32 grid compressed-tensors"),
                OnnxQdqTest.rule("encoder.layer.1.*", "int8 asymmetric"),
                OnnxQdqTest.rule("encoder.layer.2.attention.*", "int4 group 64 asymmetric"),
                OnnxQdqTest.rule("encoder.layer.3.output.dense", "int8 per tensor grid compressed-tensors scales fp32"),
                OnnxQdqTest.rule("encoder.layer.4.attention.self.query", "int3 group 32 asymmetric"),
                OnnxQdqTest.rule("encoder.layer.4.attention.self.key", "int6 grid compressed-tensors")), SensitivityLookup.NONE);
        Path dir = tmp.resolve("minilm-ct");
        CompressedTensors.Report r = CompressedTensors.write(plan, model, dir);
        assertEquals(6 + 6 + 4 + 1 + 2, r.layers());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("config.json", "model.safetensors", "recipe.yaml"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Map<String, Safetensors.Tensor> st = Safetensors.read(Files.readAllBytes(dir.resolve("model.safetensors")));
        int checked = 0;
        for (LayerPlan l : plan.quantized()) {
            LayerRef layer = model.layer(l.name());
            TensorRef t = layer.weight();
            float[] expected = model.fullPrecisionWeights(t);
            WeightTransform.fitted(l.format(), t).fakeQuantize(expected, QuantizedWeights.dims(t));
            float[] back = dequantize(st, l.name(), l.format().element().bits(), l.format().isSymmetric());
            // Precis holds ONNX MatMul weights as [in, out]; the checkpoint as PyTorch's [out, in]
            int in = (int) t.shape()[0], out = (int) t.shape()[1];
            for (int o = 0; o < out; o++)
                for (int i = 0; i < in; i++)
                    assertEquals(expected[i * out + o], back[o * in + i], l.name() + " [" + o + "," + i + "]");
            assertFalse(st.containsKey(l.name() + ".weight"), "no float copy of a quantized weight");
            checked++;
        }
        assertEquals(19, checked);
        assertArrayEquals(new long[] {384, (384 * 3 + 31) / 32}, st.get("encoder.layer.4.attention.self.query.weight_packed").shape(), "int3: dense, 36 words a row");
        assertArrayEquals(new long[] {(384 * 3 + 31) / 32, 384 / 32}, st.get("encoder.layer.4.attention.self.query.weight_zero_point").shape());
        assertEquals("F16", st.get("encoder.layer.0.attention.self.query.weight_scale").dtype());
        assertArrayEquals(new long[] {384, 384 / 32}, st.get("encoder.layer.0.attention.self.query.weight_scale").shape());
        assertArrayEquals(new long[] {384, 384 / 8}, st.get("encoder.layer.0.attention.self.query.weight_packed").shape());
        assertEquals("F32", st.get("encoder.layer.3.output.dense.weight_scale").dtype());
        assertArrayEquals(new long[] {1536, 384}, st.get("encoder.layer.4.intermediate.dense.weight").shape(), "unquantized: float32 [out, in]");
        assertTrue(st.containsKey("embeddings.word_embeddings.weight"));

        JsonNode qc = JSON.readTree(dir.resolve("config.json").toFile()).get("quantization_config");
        assertEquals("pack-quantized", qc.get("format").asText());
        assertEquals(6, qc.get("config_groups").size());
        JsonNode g0 = qc.get("config_groups").get("group_0");
        assertEquals("group", g0.get("weights").get("strategy").asText());
        assertEquals(32, g0.get("weights").get("group_size").asInt());
        assertTrue(g0.get("weights").get("symmetric").asBoolean());
        String regex = g0.get("targets").get(0).asText();
        assertTrue(regex.startsWith("re:"), regex);
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex.substring(3));
        for (LayerRef l : model.layers())
            assertEquals(l.name().startsWith("encoder.layer.0.") && l.kind() == io.precis.engine.model.LayerKind.LINEAR, p.matcher(l.name()).matches(), l.name());
        assertEquals(36 - 19, qc.get("ignore").size());
        String recipe = Files.readString(dir.resolve("recipe.yaml"));
        assertTrue(recipe.contains("QuantizationModifier:") && recipe.contains("strategy: group, group_size: 32")
                && recipe.contains("symmetric: false, strategy: channel") && recipe.contains("\"encoder.layer.5.output.dense\""), recipe);
    }

    @Test
    void precisGridAndUnsupportedLayersAreRefusedByNameAndNothingIsWritten(@TempDir Path tmp) {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                OnnxQdqTest.rule("encoder.layer.0.attention.self.query", "int4 group 32"),
                OnnxQdqTest.rule("embeddings.word_embeddings", "int8 grid compressed-tensors"),
                OnnxQdqTest.rule("encoder.layer.1.output.dense", "int4 group 32 grid compressed-tensors")), SensitivityLookup.NONE);
        Path dir = tmp.resolve("ct");
        String m = assertThrows(IllegalArgumentException.class, () -> CompressedTensors.write(plan, model, dir)).getMessage();
        assertTrue(m.contains("these 2 layers") && m.contains("encoder.layer.0.attention.self.query (int4 group 32)")
                && m.contains("grid compressed-tensors") && m.contains("absmax/7.5") && m.contains("embeddings.word_embeddings")
                && m.contains("embedding layer"), m);
        assertFalse(Files.exists(dir));
    }

    @Test
    void modelOptConfigNamesEachLayersQuantizer(@TempDir Path tmp) throws Exception {
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(
                OnnxQdqTest.rule("encoder.*", "int4 group 128"),
                OnnxQdqTest.rule("encoder.layer.0.*", "int8"),
                OnnxQdqTest.rule("encoder.layer.1.*", "fp8_e4m3"),
                OnnxQdqTest.rule("encoder.layer.2.*", "nvfp4")), SensitivityLookup.NONE);
        Path file = tmp.resolve("quant_cfg.json");
        ModelOptConfig.write(plan, model, file);
        JsonNode root = JSON.readTree(file.toFile());
        assertEquals("max", root.get("algorithm").asText());
        JsonNode q = root.get("quant_cfg");
        assertEquals(36 * 2 + 1, q.size());
        assertEquals(4, q.get("*encoder.layer.5.output.dense.weight_quantizer").get("num_bits").asInt());
        assertEquals(128, q.get("*encoder.layer.5.output.dense.weight_quantizer").get("block_sizes").get("-1").asInt());
        assertEquals(0, q.get("*encoder.layer.0.attention.self.key.weight_quantizer").get("axis").asInt());
        assertEquals("[4,3]", q.get("*encoder.layer.1.attention.self.key.weight_quantizer").get("num_bits").toString());
        assertTrue(q.get("*encoder.layer.1.attention.self.key.weight_quantizer").get("axis").isNull());
        assertEquals("[2,1]", q.get("*encoder.layer.2.attention.self.key.weight_quantizer").get("num_bits").toString());
        assertFalse(q.get("*encoder.layer.2.attention.self.key.input_quantizer").get("enable").asBoolean());
        assertFalse(q.get("default").get("enable").asBoolean());
        assertEquals("default", q.fieldNames().next(), "first: ModelOpt 0.47 applies the entries in order, 'default' as '*'");
        Plan bad = Planner.resolve(model.name(), model.layers(), List.of(OnnxQdqTest.rule("encoder.layer.3.*", "int4 asymmetric"),
                OnnxQdqTest.rule("encoder.layer.4.*", "q4_k")), SensitivityLookup.NONE);
        String m = assertThrows(IllegalArgumentException.class, () -> ModelOptConfig.write(bad, model, tmp.resolve("b.json"))).getMessage();
        assertTrue(m.contains("these 12 layers") && m.contains("symmetric") && m.contains("llama.cpp"), m);
        assertFalse(Files.exists(tmp.resolve("b.json")));
    }

    /** compressed-tensors' unpack_from_int32 (0.20, dense: value i at bit i·bits of the row) and dequantize, for [out, in] weights. */
    static float[] dequantize(Map<String, Safetensors.Tensor> st, String layer, int bits, boolean symmetric) {
        Safetensors.Tensor packed = st.get(layer + ".weight_packed"), scale = st.get(layer + ".weight_scale");
        ByteBuffer shapeBuf = ByteBuffer.wrap(st.get(layer + ".weight_shape").data()).order(ByteOrder.LITTLE_ENDIAN);
        int rows = (int) shapeBuf.getLong(), cols = (int) shapeBuf.getLong();
        int words = (int) packed.shape()[1];
        assertEquals((cols * bits + 31) / 32, words, layer + ": ceil(in·bits/32) words a row");
        int offset = 1 << (bits - 1);
        ByteBuffer pb = ByteBuffer.wrap(packed.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            int[] row = new int[words];
            for (int w = 0; w < words; w++) row[w] = pb.getInt((r * words + w) * 4);
            for (int c = 0; c < cols; c++) codes[r * cols + c] = bitsAt(row, (long) c * bits, bits) - offset;
        }
        float[] s = floats(scale);
        int groups = scale.shape().length == 2 ? (int) scale.shape()[1] : 1;
        int gs = (cols + groups - 1) / groups;
        float[] z = new float[s.length];
        Safetensors.Tensor zt = st.get(layer + ".weight_zero_point");
        assertEquals(symmetric, zt == null);
        if (zt != null && zt.dtype().equals("I8")) z[0] = zt.data()[0];
        else if (zt != null) {
            ByteBuffer zb = ByteBuffer.wrap(zt.data()).order(ByteOrder.LITTLE_ENDIAN);
            int zw = (int) zt.shape()[0];
            assertEquals((rows * bits + 31) / 32, zw, layer + ": zero points packed along the output dimension");
            for (int b = 0; b < groups; b++) {
                int[] column = new int[zw];
                for (int w = 0; w < zw; w++) column[w] = zb.getInt((w * groups + b) * 4);
                for (int r = 0; r < rows; r++) z[r * groups + b] = bitsAt(column, (long) r * bits, bits) - offset;
            }
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int k = s.length == 1 ? 0 : r * groups + c / gs;
                out[r * cols + c] = (codes[r * cols + c] - z[k]) * s[k];
            }
        return out;
    }

    /** {@code bits} bits from bit {@code at} of little-endian words (a value may continue in the next word). */
    static int bitsAt(int[] words, long at, int bits) {
        int w = (int) (at >>> 5), off = (int) (at & 31);
        long pair = (words[w] & 0xFFFFFFFFL) | (w + 1 < words.length ? (words[w + 1] & 0xFFFFFFFFL) << 32 : 0);
        return (int) ((pair >>> off) & ((1L << bits) - 1));
    }

    static float[] floats(Safetensors.Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
        int n = t.dtype().equals("F32") ? t.data().length / 4 : t.data().length / 2;
        float[] out = new float[n];
        for (int i = 0; i < n; i++)
            out[i] = switch (t.dtype()) {
                case "F32" -> b.getFloat(i * 4);
                case "F16" -> Float.float16ToFloat(b.getShort(i * 2));
                default -> Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
            };
        return out;
    }
}
