package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.ggml.GgmlType;
import io.precis.engine.model.gguf.GgufFile;
import io.precis.engine.model.gguf.TinyGguf;
import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A causal language model through the language: set context, evaluate's token count, export to GGUF and back. */
class LlmCellsTest {
    private static final String TEXT = "../models/data/sentences.txt";

    @Test
    void contextWindowsEvaluateAndAGgufExportThatMeasuresWhatWasPredicted(@TempDir Path dir) {
        Path tiny = TinyGguf.write(dir.resolve("tiny.gguf"), 5, true);
        Path out = dir.resolve("mixed.gguf");
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + path(tiny) + "\" as tiny").assertOk();
            // a causal LM's data is one text (no kind option needed)
            String loaded = cells.run("load dataset \"" + TEXT + "\" as text").assertOk().textOutput();
            assertTrue(loaded.contains("characters"), loaded);
            cells.run("set context 32\nset samples 4").assertOk();
            PlanEvaluation e = cells.run("quantize blk.*.ffn_* to q4_k\nquantize blk.1.attn_q to q8_0\nevaluate").assertOk()
                    .lastShown(PlanEvaluation.class);
            // 4 windows of 32 tokens score positions 2..32: 31 tokens each
            assertTrue(e.toText().contains("4 windows of 32 tokens, 124 tokens scored"), e.toText());
            assertTrue(e.toText().contains("perplexity"), e.toText());
            double predicted = e.evaluation().get(Metric.PERPLEXITY);
            assertTrue(e.value() > 0 || e.value() < 0, "Δloss is the default metric and quantization changes it: " + e.value());

            String wrote = cells.run("export plan to \"" + path(out) + "\"").assertOk().textOutput();
            assertTrue(wrote.contains("mixed.gguf") && wrote.contains("7 of"), wrote);
            GgufFile back = GgufFile.open(out);
            assertEquals(GgmlType.Q4_K, back.tensor("blk.0.ffn_down.weight").type());
            assertEquals(GgmlType.Q8_0, back.tensor("blk.1.attn_q.weight").type());
            assertEquals(GgufFile.open(tiny).tensor("blk.0.attn_q.weight").type(), back.tensor("blk.0.attn_q.weight").type(),
                    "unplanned tensors stay as the source stores them");

            // Precis re-loading its export measures, at "full precision", the perplexity it predicted
            cells.session().clearRules();
            cells.run("load model \"" + path(out) + "\" as again\nuse again on text").assertOk();
            PlanEvaluation again = cells.run("evaluate").assertOk().lastShown(PlanEvaluation.class);
            assertEquals(predicted, again.baseline().get(Metric.PERPLEXITY), 1e-9 * predicted);
        }
    }

    @Test
    void misuseIsAnErrorAtItsPlace(@TempDir Path dir) {
        Path tiny = TinyGguf.write(dir.resolve("tiny.gguf"), 6, true);
        Path out = dir.resolve("never.gguf");
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + path(tiny) + "\" as tiny").assertOk();
            String one = cells.run("set context 1").assertFailed("PrecisError");
            assertTrue(one.startsWith("line 1:") && one.contains("context") && one.contains("from 2"), one);
            String ppl = cells.run("set metric perplexity").assertFailed("PrecisError");
            assertTrue(ppl.contains("set metric loss"), ppl);
            assertTrue(cells.complete("set con", 7).items().stream().anyMatch(i -> i.text().equals("context")));

            cells.run("quantize blk.0.* to int4\nquantize blk.1.attn_v to q4_k").assertOk();
            String noType = cells.run("export plan to \"" + path(out) + "\"").assertFailed("PrecisError");
            assertTrue(noType.contains("blk.0.attn_q (int4)") && noType.contains("blk.0.ffn_down (int4)") && !noType.contains("blk.1.attn_v"), noType);
            assertFalse(Files.exists(out));
            String json = cells.run("export plan as json to \"" + path(out) + "\"").assertFailed("PrecisError");
            assertTrue(json.contains("holds a GGUF model"), json);
        }
    }

    private static String path(Path p) {
        return p.toString().replace("\\", "/");
    }
}
