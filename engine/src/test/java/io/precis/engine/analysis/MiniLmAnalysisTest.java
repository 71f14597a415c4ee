package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.Activation;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.WeightTransform;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 (ONNX): graph cuts for resumed passes, embedding metrics, grids on [in, out] weights. */
class MiniLmAnalysisTest {

    @Test
    void embeddingsAreScoredAgainstFullPrecisionOutputs() throws Exception {
        SentenceSet sentences = Datasets.sentences(TestFiles.sentences());
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            Analysis a = Analysis.of(m, sentences).samples(16).cache(SensitivityCache.inMemory());
            // the graph is cut before weight matrices; a pass resumed at a cut equals the whole pass
            assertTrue(m.stages() > 6, m.stages() + " stages");
            LayerRef ffn = m.layer("encoder.layer.3.intermediate.dense");
            assertTrue(m.stageOf(ffn) > m.stageOf(m.layer("encoder.layer.3.attention.self.query")));
            assertEquals(m.stageOf(m.layer("encoder.layer.3.attention.self.query")), m.stageOf(m.layer("encoder.layer.3.attention.self.value")));
            ModelInput in = a.evaluator().inputs().get(0);
            List<Activation> acts = new ArrayList<>();
            float[] full = m.forwardCollecting(in, acts).values();
            assertArrayEquals(m.forward(in).values(), full);
            m.swap(ffn, WeightTransform.fakeQuantize(Formats.int4()));
            try {
                assertArrayEquals(m.forward(in).values(), m.forwardFrom(in, m.stageOf(ffn), acts.get(m.stageOf(ffn) - 1)).values());
            } finally {
                m.restoreAll();
            }
            assertEquals(SensitivityMetric.ONE_MINUS_COSINE, a.metric(), "no labels: 1 - cosine to full precision");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.metric("kl"));
            assertTrue(e.getMessage().contains("needs labels") && e.getMessage().contains("cosine"), e.getMessage());
            assertEquals(36, a.quantizableLayers().size());
            List<LayerRef> layers = List.of(m.layer("encoder.layer.0.attention.self.query"), m.layer("encoder.layer.5.output.dense"));
            SensitivityTable t = a.sensitivity(layers, List.of(Formats.int8(), Formats.int3()));
            for (LayerRef l : layers) {
                assertTrue(t.value(l, Formats.int3()) > t.value(l, Formats.int8()), l.name());
                assertTrue(t.value(l, Formats.int8()) < 1e-3 && t.value(l, Formats.int8()) >= 0, l.name() + " " + t.value(l, Formats.int8()));
            }
            SensitivityTable sqnr = a.metric("sqnr").sensitivity(layers, List.of(Formats.int8(), Formats.int3()));
            assertEquals(4, a.evaluations(), "SQNR came from the same runs");
            for (LayerRef l : layers) assertTrue(sqnr.value(l, Formats.int8()) > sqnr.value(l, Formats.int3()) + 10, l.name());
            assertTrue(sqnr.figure().describe().contains("output SQNR (dB)"));
            assertEquals("linear", new ObjectMapper().readTree(sqnr.figure().toPlotlyJson()).get("layout").get("yaxis").get("type").asText(),
                    "dB is already logarithmic");
            var hist = new ObjectMapper().readTree(WeightHistogram.figure(m, layers.get(0), Formats.int4()).toPlotlyJson());
            assertTrue(hist.get("layout").get("shapes").size() >= 8, "per-channel grid of an [in, out] MatMul weight");
        }
    }
}
