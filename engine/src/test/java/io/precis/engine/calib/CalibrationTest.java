package io.precis.engine.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.plan.Plan;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Calibration captured from all-MiniLM-L6-v2 (ONNX) and plans with GPTQ/AWQ layers evaluated on held-out sentences. */
class CalibrationTest {

    @Test
    void capturedRowsLeaveOutPaddingAndLayersReadingOneTensorShareStatistics() throws Exception {
        SentenceSet s = Datasets.sentences(TestFiles.sentences()).first(6);
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            List<LayerRef> layers = List.of(m.layer("encoder.layer.1.attention.self.query"), m.layer("encoder.layer.1.attention.self.value"),
                    m.layer("encoder.layer.1.output.dense"));
            List<ModelInput> padded = new Evaluator(m, s, 6, 0, 6).inputs();
            List<ModelInput> single = new Evaluator(m, s, 1, 0, 6).inputs();    // one sentence per batch: no padding
            int tokens = 0;
            for (long[] row : ((ModelInput.Tokens) padded.get(0)).mask()) for (long v : row) tokens += (int) v;
            assertTrue(tokens < 6 * ((ModelInput.Tokens) padded.get(0)).length(), "the batch has padding");
            Map<String, float[]> rows = m.layerInputs(padded.get(0), layers);
            assertSame(rows.get(layers.get(0).name()), rows.get(layers.get(1).name()), "query and value read the same tensor");
            assertEquals(tokens * 384, rows.get(layers.get(0).name()).length);
            assertEquals(tokens * 1536, rows.get(layers.get(2).name()).length);
            // the padded batch's real rows are the rows of each sentence run alone (attention masks the padding)
            float[] alone = new float[0];
            for (ModelInput in : single) {
                float[] r = m.layerInputs(in, layers).get(layers.get(2).name());
                alone = Arrays.copyOf(alone, alone.length + r.length);
                System.arraycopy(r, 0, alone, alone.length - r.length, r.length);
            }
            float[] together = rows.get(layers.get(2).name());
            double maxDiff = 0;
            for (int i = 0; i < alone.length; i++) maxDiff = Math.max(maxDiff, Math.abs(alone[i] - together[i]));
            assertTrue(maxDiff < 1e-3, "max difference " + maxDiff);
            Map<String, LayerStats> st = Calibration.capture(m, padded, layers, true, null);
            assertSame(st.get(layers.get(0).name()), st.get(layers.get(1).name()));
            assertEquals(tokens, st.get(layers.get(2).name()).rows());
            assertEquals(Calibration.bytes(st), 4L * 384 * 384 + 4L * 1536 * 1536 + 12L * (384 + 1536) + 128);
            // a plan with GPTQ layers cannot be applied without calibration
            Plan p = MiniLmAlgorithms.plan(m, Formats.int4(), QuantAlgorithm.of("gptq"));
            assertTrue(p.needsCalibration() && p.toText().contains("using gptq") && p.toText().contains("act-order none"), p.toText());
            assertThrows(IllegalStateException.class, () -> p.applyTo(m));
            assertThrows(IllegalArgumentException.class, () -> Analysis.of(m, s).evaluate(p));
            // the plan file records each layer's algorithm, and reading it back restores it
            java.nio.file.Path file = java.nio.file.Files.createTempDirectory("plan").resolve("p.json");
            io.precis.engine.export.PlanJson.write(p, m, file);
            assertTrue(java.nio.file.Files.readString(file).contains("\"algorithm\" : \"gptq (damp 0.01"));
            Plan back = io.precis.engine.export.PlanJson.read(file, m);
            assertEquals("gptq", back.layer("encoder.layer.0.attention.self.query").orElseThrow().algorithm().name());
            assertTrue(back.layer("embeddings.word_embeddings").map(l -> !l.isQuantized()).orElse(true));
        }
    }

    /** The qualitative facts of the held-out comparison (the numbers are in engine/README-algorithms.md). */
    @Test
    void gptqAndAwqBeatRoundToNearestOnHeldOutSentences() throws Exception {
        SentenceSet all = Datasets.sentences(TestFiles.sentences());
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            MiniLmAlgorithms.Result r = MiniLmAlgorithms.measure(m, all, 128, 0, false);
            assertEquals(0, r.samples().overlap(), r.samples().text());
            assertEquals(128, r.samples().calibrationSamples());
            assertEquals(all.size() - 128, r.samples().evaluationSamples());
            assertTrue(r.gptq() < r.rtn(), "gptq " + r.gptq() + " vs rtn " + r.rtn());
            assertTrue(r.awqGroup() < r.rtnGroup(), "awq " + r.awqGroup() + " vs rtn " + r.rtnGroup());
            assertEquals(36, r.layers());
            assertTrue(r.gptqBetter() >= 30, r.gptqBetter() + " of 36 layers better with gptq on held-out rows");
            assertTrue(r.w8a8Smooth() < r.w8a8(), "smoothquant " + r.w8a8Smooth() + " vs plain w8a8 " + r.w8a8());
            System.out.println("MiniLM held-out: " + r);
        }
    }

    @Test
    void overlappingCalibrationIsReported() throws Exception {
        SentenceSet all = Datasets.sentences(TestFiles.sentences()).first(40);
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            Analysis a = Analysis.of(m, all).samples(40).cache(SensitivityCache.inMemory());
            Plan p = MiniLmAlgorithms.plan(m, Formats.int8(), QuantAlgorithm.of("gptq"));
            PlanEvaluation e = a.evaluate(p, Calibration.on(all).samples(16));
            assertEquals(16, e.samples().overlap());
            assertTrue(e.toText().contains("Warning: 16 samples both calibrated and evaluated"), e.toText());
        }
    }
}
