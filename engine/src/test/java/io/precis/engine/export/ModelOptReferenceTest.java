package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * NVIDIA ModelOpt itself applies Precis's {@code quant_cfg}: {@code make reference-exports} writes this plan's config,
 * MiniLM's float weights (as Hugging Face names them) and the weights and embeddings Precis evaluates;
 * {@code tests/reference/check_modelopt.py} quantizes a Hugging Face BertModel with {@code mtq.quantize} and that
 * config (algorithm max), and records per layer how far ModelOpt's fake-quantized weights are from Precis's, and the
 * embeddings of 16 sentences, in {@code tests/reference/data/modelopt_roundtrip.json}. Here the weights Precis
 * evaluates now must hash to what that run compared, and the recorded differences must be within the bounds below.
 */
class ModelOptReferenceTest {
    static final Path DATA = Path.of("..", "tests", "reference", "data", "modelopt_roundtrip.json");

    /** Layer → format: each kind of ModelOpt quantizer the export writes but nvfp4 (ModelOpt fake-quantizes its dynamic blocks only on CUDA). */
    static final Map<String, String> REFERENCE = CompressedTensorsReferenceTest.formats(
            "encoder.layer.0.attention.self.query", "int8 scales fp32",
            "encoder.layer.0.attention.self.key", "int4 scales fp32",
            "encoder.layer.0.attention.self.value", "int4 group 128 scales fp32",
            "encoder.layer.0.intermediate.dense", "int4 group 32 scales fp32",
            "encoder.layer.1.attention.self.query", "int8 per tensor scales fp32",
            "encoder.layer.1.output.dense", "fp8_e4m3");

    @Test
    void modelOptAppliesTheConfigToTheWeightsPrecisEvaluates() throws Exception {
        String out = System.getProperty("precis.modelopt.reference");
        try (Model model = Models.loadFromMaven(TestFiles.MINILM)) {
            Plan plan = CompressedTensorsReferenceTest.plan(model, REFERENCE);
            Map<String, byte[]> evaluated = CompressedTensorsReferenceTest.evaluated(model, plan, REFERENCE);
            if (out != null) {
                Path dir = Path.of(out);
                Files.createDirectories(dir);
                ModelOptConfig.write(plan, model, dir.resolve("quant_cfg.json"));
                // the float weights with Hugging Face's names: a compressed-tensors export of a plan that quantizes nothing
                CompressedTensors.write(Planner.resolve(model.name(), model.layers(), List.of(), SensitivityLookup.NONE), model, dir.resolve("float"));
                CompressedTensorsReferenceTest.writeEvaluated(dir, evaluated, REFERENCE);
                CompressedTensorsReferenceTest.embeddings(model, plan, dir);
                return;
            }
            JsonNode ref = new ObjectMapper().readTree(DATA.toFile());
            assertEquals(ref.get("quant_cfg_sha256").asText(), CompressedTensorsReferenceTest.sha256(ModelOptConfig.toJson(plan).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    "the export writes another quant_cfg than the one ModelOpt applied; run make reference-exports");
            for (var e : evaluated.entrySet()) {
                JsonNode layer = CompressedTensorsReferenceTest.recorded(ref, DATA, e.getKey(), REFERENCE);
                assertEquals(layer.get("sha256_precis").asText(), CompressedTensorsReferenceTest.sha256(e.getValue()),
                        e.getKey() + ": Precis now evaluates other weights than those ModelOpt's were compared with; run make reference-exports");
                // the same codes on the same grid (amax/(2^(N-1)-1), fp32 scales as ModelOpt keeps them): only the last bit of
                // code × scale may differ; one code a step away would be 1/127 of the weights' range or more
                assertTrue(layer.get("max_rel_diff").asDouble() <= 1e-6, e.getKey() + ": ModelOpt's weights differ from Precis's by " + layer);
            }
            JsonNode emb = ref.get("embeddings");
            assertTrue(emb.get("max_rel_diff").asDouble() <= 1e-4 && emb.get("quantization_moves_by").asDouble() > 100 * emb.get("max_abs_diff").asDouble(),
                    "ModelOpt's quantized BertModel is not Precis's evaluation: " + emb);
        }
    }
}
