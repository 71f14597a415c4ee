package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.data.Datasets;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * compressed-tensors itself, not a re-implementation, reads Precis's export: {@code make reference-exports} writes
 * this plan's checkpoint, the library's PackedQuantizationCompressor decompresses every layer
 * ({@code tests/reference/check_compressed_tensors.py}) and the sha256 of what it got is committed in
 * {@code tests/reference/data/compressed_tensors_roundtrip.json}. Here the weights Precis evaluates for the same plan
 * must hash to those values: every bit width 3..8, per channel, per tensor and groups, symmetric and asymmetric
 * (fp32 scales, so that equality is exact: the library dequantizes in the scale's type). The same run loads the
 * export into Hugging Face transformers' BertModel and records how far its embeddings are from Precis's.
 */
class CompressedTensorsReferenceTest {
    static final Path DATA = Path.of("..", "tests", "reference", "data", "compressed_tensors_roundtrip.json");

    /** Layer → format; changing one needs the reference made again (make reference-exports). */
    static final Map<String, String> REFERENCE = formats(
            "encoder.layer.0.attention.self.query", "int3 grid compressed-tensors scales fp32",
            "encoder.layer.0.attention.self.key", "int4 group 32 grid compressed-tensors scales fp32",
            "encoder.layer.0.attention.self.value", "int5 group 64 asymmetric scales fp32",
            "encoder.layer.0.attention.output.dense", "int6 grid compressed-tensors scales fp32",
            "encoder.layer.0.intermediate.dense", "int7 group 128 asymmetric scales fp32",
            "encoder.layer.0.output.dense", "int3 asymmetric scales fp32",
            "encoder.layer.1.attention.self.query", "int8 asymmetric scales fp32",
            "encoder.layer.1.attention.self.key", "int4 per tensor grid compressed-tensors scales fp32",
            "encoder.layer.1.output.dense", "int6 group 32 asymmetric scales fp32");

    /** Layer, format, layer, format...: in that order. */
    static Map<String, String> formats(String... layerThenFormat) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < layerThenFormat.length; i += 2) m.put(layerThenFormat[i], layerThenFormat[i + 1]);
        return java.util.Collections.unmodifiableMap(m);
    }

    @Test
    void compressedTensorsDecompressesTheExportToTheEvaluatedWeights() throws Exception {
        String out = System.getProperty("precis.ct.reference");
        try (Model model = Models.loadFromMaven(TestFiles.MINILM)) {
            Plan plan = plan(model, REFERENCE);
            Map<String, byte[]> evaluated = evaluated(model, plan, REFERENCE);
            if (out != null) { // make reference-exports: the checkpoint and what Precis evaluates, for the library to read
                Path dir = Path.of(out);
                CompressedTensors.write(plan, model, dir);
                writeEvaluated(dir, evaluated, REFERENCE);
                embeddings(model, plan, dir);
                // transformers cannot load asymmetric pack-quantized layers (its placeholders expect unpacked zero
                // points), so its from_pretrained also gets the symmetric layers alone
                Map<String, String> symmetricFormats = new LinkedHashMap<>(REFERENCE);
                symmetricFormats.values().removeIf(f -> f.contains("asymmetric"));
                Plan symmetric = plan(model, symmetricFormats);
                CompressedTensors.write(symmetric, model, dir.resolve("symmetric"));
                embeddings(model, symmetric, dir.resolve("symmetric"));
                return;
            }
            JsonNode ref = new ObjectMapper().readTree(DATA.toFile());
            // the export written now, tensor by tensor, is what the library decompressed then
            Path dir = Files.createTempDirectory("ct-reference");
            Map<String, Safetensors.Tensor> st;
            try {
                CompressedTensors.write(plan, model, dir.resolve("ct"));
                st = Safetensors.read(Files.readAllBytes(dir.resolve("ct").resolve("model.safetensors")));
            } finally {
                try (var files = Files.walk(dir)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
                }
            }
            for (var e : evaluated.entrySet()) {
                JsonNode layer = recorded(ref, DATA, e.getKey(), REFERENCE);
                var stored = layer.get("sha256_stored").fields();
                int tensors = 0;
                while (stored.hasNext()) {
                    var t = stored.next();
                    Safetensors.Tensor now = st.get(e.getKey() + "." + t.getKey());
                    assertTrue(now != null, e.getKey() + "." + t.getKey() + " is no longer written");
                    assertEquals(t.getValue().asText(), sha256(now.data()), e.getKey() + "." + t.getKey()
                            + ": the export writes other bytes than those compressed-tensors decompressed; run make reference-exports");
                    tensors++;
                }
                assertTrue(tensors >= 3, e.getKey() + ": packed codes, scales and shape at least");
                assertTrue(layer.get("bit_exact").asBoolean(), e.getKey() + ": compressed-tensors " + ref.get("compressed_tensors").asText()
                        + " decompressed other weights than Precis evaluated (max |diff| " + layer.get("max_abs_diff") + ")");
                assertEquals(layer.get("sha256_decompressed").asText(), sha256(e.getValue()),
                        e.getKey() + ": Precis now evaluates other weights than compressed-tensors decompressed from its export");
            }
            assertEquals(CompressedTensors.VERSION, ref.get("checkpoint_version").asText(), "the reference read a checkpoint of this export's version");
            // and Hugging Face's BertModel ran the export: from_pretrained (symmetric layers) and with every layer decompressed
            JsonNode bert = ref.get("transformers_bert");
            for (String way : new String[] {"from_pretrained_symmetric", "decompressed_into_bert"}) {
                JsonNode r = bert.get(way);
                assertTrue(r.get("max_rel_diff").asDouble() <= 1e-4 && r.get("quantization_moves_by").asDouble() > 100 * r.get("max_abs_diff").asDouble(),
                        way + ": transformers' embeddings " + r + " are not Precis's");
            }
        }
    }

    /** A layer's record in a reference run's JSON, which must exist and be for the layer's format now. */
    static JsonNode recorded(JsonNode ref, Path data, String layer, Map<String, String> formats) {
        JsonNode r = ref.get("layers").get(layer);
        assertTrue(r != null, layer + " is not in " + data + "; run make reference-exports");
        assertEquals(formats.get(layer), r.get("format").asText(), layer + ": the reference was made for another format; run make reference-exports");
        return r;
    }

    /** The plan of a reference: each layer quantized to its format. */
    static Plan plan(Model model, Map<String, String> formats) {
        return Planner.resolve(model.name(), model.layers(),
                formats.entrySet().stream().map(e -> OnnxQdqTest.rule(e.getKey(), e.getValue())).toList(), SensitivityLookup.NONE);
    }

    /** Each quantized layer's evaluated weights ({@link #outIn}), by layer; every layer of {@code formats} is there. */
    static Map<String, byte[]> evaluated(Model model, Plan plan, Map<String, String> formats) {
        Map<String, byte[]> evaluated = new LinkedHashMap<>();
        for (LayerPlan l : plan.quantized()) evaluated.put(l.name(), outIn(model, l));
        assertEquals(formats.keySet(), evaluated.keySet());
        return evaluated;
    }

    /** For the reference scripts: {@code <layer>.f32} with the evaluated weights, and expected.json (layer → format). */
    static void writeEvaluated(Path dir, Map<String, byte[]> evaluated, Map<String, String> formats) throws java.io.IOException {
        ObjectNode expected = new ObjectMapper().createObjectNode();
        for (var e : evaluated.entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".f32"), e.getValue());
            expected.put(e.getKey(), formats.get(e.getKey()));
        }
        Files.writeString(dir.resolve("expected.json"), expected.toPrettyString());
    }

    /**
     * The model's mean-pooled output on 16 sentences, quantized as {@code plan} says and not, with the batch: what
     * Hugging Face's BertModel loading the export must give.
     */
    static void embeddings(Model model, Plan plan, Path dir) throws Exception {
        ModelInput.Tokens batch = ModelInput.Tokens.of(model.tokenizer(), Datasets.sentences(TestFiles.sentences()).first(16).sentences());
        float[] full = model.forward(batch).values();
        float[] quantized = OnnxQdqTest.forwardWith(plan, model, batch);
        ObjectNode b = new ObjectMapper().createObjectNode();
        b.putPOJO("input_ids", batch.ids());
        b.putPOJO("attention_mask", batch.mask());
        b.put("pooling", "mean over the attention mask of the last hidden state");
        Files.writeString(dir.resolve("batch.json"), new ObjectMapper().writeValueAsString(b));
        Files.write(dir.resolve("embeddings.f32"), le(quantized));
        Files.write(dir.resolve("embeddings-full.f32"), le(full));
    }

    /** The layer's evaluated weights as compressed-tensors holds them: float32 little-endian, [out, in]. */
    static byte[] outIn(Model model, LayerPlan l) {
        TensorRef t = model.layer(l.name()).weight();
        float[] w = model.fullPrecisionWeights(t);
        WeightTransform.fitted(l.format(), t).fakeQuantize(w, QuantizedWeights.dims(t));
        int in = (int) t.shape()[0], out = (int) t.shape()[1];   // an ONNX MatMul weight is [in, out]
        ByteBuffer b = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) b.putFloat(w[i * out + o]);
        return b.array();
    }

    private static byte[] le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
