package io.precis.engine.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityMetric;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.WeightTransform;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Causal-LM text data and metrics on GGUF models: stream windows, loss/perplexity/KL, sensitivity. */
class GgufEvaluationTest {
    static final Path SENTENCES = Path.of("../models/data/sentences.txt");

    @Test
    void windowsAreCutFromOneStreamAndScoredAtPositionsTwoToN(@TempDir Path tmp) {
        try (Model m = Models.load(TinyGguf.write(tmp.resolve("tiny.gguf"), 3, true))) {
            TextCorpus text = Datasets.text(SENTENCES).withContext(32);
            long[] ids = m.tokenizer().encode(text.text());
            long[][] w = text.streamWindows(m.tokenizer(), 32);
            assertEquals(ids.length / 32, w.length, "non-overlapping, the last partial window dropped");
            assertArrayEquals(java.util.Arrays.copyOfRange(ids, 32, 64), w[1]);
            Evaluator all = new Evaluator(m, text, 8, 0, Integer.MAX_VALUE);
            assertEquals(w.length, all.samples());
            assertEquals(w.length * 31, all.scoredTokens());
            assertEquals(32, all.streamWindow());
            Evaluator ev = new Evaluator(m, text, 2, 7, 5);
            assertEquals(5, ev.samples(), "a seeded choice of windows, as sentences are chosen");
            Evaluation e = ev.evaluate();
            // loss = mean next-token NLL over every scored position of the chosen windows, from the logits directly
            double sum = 0;
            for (ModelInput in : ev.inputs()) {
                long[][] rows = ((ModelInput.Tokens) in).ids();
                var out = m.forward(in);
                int vocab = out.width();
                for (int r = 0; r < rows.length; r++) {
                    float[] logits = java.util.Arrays.copyOfRange(out.values(), r * 32 * vocab, (r + 1) * 32 * vocab);
                    sum += GgufModelTest.meanNll(logits, rows[r], vocab) * 31;
                }
            }
            double loss = sum / (5 * 31);
            assertEquals(loss, e.get(Metric.LOSS), 1e-9);
            assertEquals(Math.exp(loss), e.get(Metric.PERPLEXITY), 1e-9 * Math.exp(loss));
            assertEquals(0, e.get(Metric.KL), 1e-12);
            m.swap(m.layers(io.precis.engine.model.LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.parse("q2_k")));
            Evaluation q = ev.evaluate();
            m.restoreAll();
            assertTrue(q.get(Metric.KL) > 0 && q.get(Metric.LOSS) != e.get(Metric.LOSS), q.toString());
        }
    }

    @Test
    void sensitivityOfEveryLinearLayerWithAndWithoutPrefixReuse(@TempDir Path tmp) {
        try (Model m = Models.load(TinyGguf.write(tmp.resolve("tiny.gguf"), 4, false))) {
            TextCorpus text = Datasets.text(SENTENCES).withContext(24);
            Analysis a = Analysis.of(m, text).samples(4).cache(SensitivityCache.inMemory());
            assertEquals(SensitivityMetric.DELTA_LOSS, a.metric());
            List<LayerRef> layers = a.quantizableLayers();
            assertTrue(layers.stream().allMatch(l -> l.name().startsWith("blk.")), "embeddings, norms and the head stay: " + layers);
            assertEquals(14, layers.size());
            Format q2k = Formats.parse("q2_k"), q8 = Formats.parse("q8_0");
            SensitivityTable t = a.sensitivity(layers, List.of(q8, q2k));
            for (LayerRef l : layers) assertTrue(Math.abs(t.value(l, q2k)) >= Math.abs(t.value(l, q8)) || Math.abs(t.value(l, q2k)) > 1e-4, l.name());
            LayerRef down = m.layer("blk.1.ffn_down");
            assertEquals(Analysis.of(m, text).samples(4).prefixReuse(false).sensitivity().sensitivity(down, q2k), t.value(down, q2k), 1e-12);
        }
    }

    @Test
    void windowsScoredBatchByBatchGiveWhatTheWholeKeptRunGives(@TempDir Path tmp) {
        System.setProperty("precis.streamAboveBytes", "0"); // the tiny model's logits are small: stream them anyway
        try (Model m = Models.load(TinyGguf.write(tmp.resolve("tiny.gguf"), 8, true))) {
            TextCorpus text = Datasets.text(SENTENCES).withContext(40);
            // 1,024 tokens a batch: windows of 40 go 25 to a batch, so 60 windows are three batches
            Analysis a = Analysis.of(m, text).samples(60).cache(SensitivityCache.inMemory());
            Format q3k = Formats.parse("q3_k");
            LayerRef up = m.layer("blk.0.ffn_up");
            double dLoss = a.sensitivity(List.of(up), List.of(q3k)).value(up, q3k);
            double kl = a.metric(SensitivityMetric.KL).sensitivity(List.of(up), List.of(q3k)).value(up, q3k);
            io.precis.engine.plan.Plan plan = io.precis.engine.plan.Planner.resolve("tiny", m.layers(), List.of(io.precis.engine.plan.Rule.quantize(
                    "r", List.of(io.precis.engine.plan.LayerPattern.glob("blk.*.ffn_*")), q3k)), io.precis.engine.plan.SensitivityLookup.NONE);
            io.precis.engine.analysis.PlanEvaluation pe = a.evaluate(plan);
            // the whole run kept: the evaluator on the swapped model against its full-precision logits of every window
            Evaluator ev = a.evaluator();
            assertEquals(3, ev.inputs().size());
            Evaluation fp = ev.evaluate();
            m.swap(up, WeightTransform.fakeQuantize(q3k));
            Evaluation one = ev.evaluate();
            m.restoreAll();
            m.swap(plan.quantized().stream().map(l -> m.layer(l.name())).toList(), WeightTransform.fakeQuantize(q3k));
            assertEquals(6, plan.quantized().size(), "gate, up, down of two blocks (norms stay unless named)");
            Evaluation all = ev.evaluate();
            m.restoreAll();
            assertTrue(one.get(Metric.KL) > 0, one.toString());
            assertEquals(one.get(Metric.LOSS) - fp.get(Metric.LOSS), dLoss, 1e-12);
            assertEquals(one.get(Metric.KL), kl, 1e-12);
            assertEquals(all.get(Metric.PERPLEXITY), pe.evaluation().get(Metric.PERPLEXITY), 1e-12 * all.get(Metric.PERPLEXITY));
            assertEquals(all.get(Metric.KL), pe.evaluation().get(Metric.KL), 1e-12);
            assertEquals(fp.get(Metric.LOSS), pe.baseline().get(Metric.LOSS), 1e-12);
            assertEquals(all.get(Metric.ACCURACY), pe.evaluation().get(Metric.ACCURACY), 0);
        } finally {
            System.clearProperty("precis.streamAboveBytes");
        }
    }
}
