package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.eval.Metric;
import io.precis.engine.model.gguf.CachedModels;
import io.precis.language.testkit.CellTester;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** GPTQ and AWQ on SmolLM2 (its GGUF from the cache) through the language: calibrated on one slice of the text, evaluated on the rest. */
class LlmAlgorithmCellsTest {

    @Test
    void gptqAndAwqOnAGgufLanguageModel() {
        Path gguf = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(gguf != null, CachedModels.missing(CachedModels.SMOLLM2));
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + gguf.toString().replace('\\', '/') + "\" as smollm2\n"
                    + "load dataset \"../models/data/sentences.txt\" as text\nuse smollm2 on text").assertOk();
            cells.run("set context 32\nset samples 2\nset calibration 8").assertOk();
            PlanEvaluation g = cells.run("quantize blk.0.* to int4 group 32 using gptq\nevaluate").assertOk().lastShown(PlanEvaluation.class);
            assertEquals(0, g.samples().overlap(), g.toText());
            assertTrue(g.calibration().contains("gptq (damp 0.01, block 128, act-order none)"), g.calibration());
            assertTrue(g.evaluation().get(Metric.KL) > 0, g.toText());
            PlanEvaluation a = cells.run("quantize blk.0.* to int4 group 32 using awq\nevaluate").assertOk().lastShown(PlanEvaluation.class);
            assertTrue(a.calibration().contains("awq"), a.calibration());
            assertTrue(a.evaluation().get(Metric.KL) > 0 && a.evaluation().get(Metric.KL) != g.evaluation().get(Metric.KL), a.toText());
        }
    }
}
