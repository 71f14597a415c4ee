package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import io.precis.engine.model.train.TrainModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DJL models trained here (committed .params + .precis.json), loaded as a user would. */
class TrainedModelsTest {

    @Test
    void fashionMlpReachesItsDocumentedAccuracy() throws Exception {
        Path data = TestFiles.fashionMnistOrSkip();
        Path file = TestFiles.models("trained/fashion-mlp-0000.params");
        JsonNode doc = new ObjectMapper().readTree(TestFiles.models("trained/fashion-mlp.precis.json").toFile()).get("trained");
        try (Model m = Models.load(file)) {
            assertEquals(List.of("fc1", "fc2", "head"), m.layers().stream().map(LayerRef::name).toList());
            assertEquals(LayerKind.HEAD, m.layer("head").kind());
            assertEquals(0, m.layer("fc1").weight().channelAxis(), "DJL Linear weights are [out, in]");
            Evaluation e = new Evaluator(m, Datasets.fashionMnist(data, "test"), 500, 0, Integer.MAX_VALUE).evaluate();
            assertEquals(doc.get("test_accuracy").asDouble(), e.get(Metric.ACCURACY), 0.0005);
            assertTrue(e.get(Metric.ACCURACY) > 0.86, "accuracy " + e.get(Metric.ACCURACY));
            assertEquals(doc.get("test_loss").asDouble(), e.get(Metric.LOSS), 0.001);
        }
    }

    @Test
    void charLmReachesItsDocumentedHeldOutLossAndQuantizationCostsSomething() throws Exception {
        Path text = TestFiles.mobyDickOrSkip();
        Path file = TestFiles.models("trained/char-lm-0000.params");
        JsonNode doc = new ObjectMapper().readTree(TestFiles.models("trained/char-lm.precis.json").toFile()).get("trained");
        String all = Datasets.text(text).text();
        TextCorpus heldOut = new TextCorpus("moby-dick held-out 10%", all.substring((int) (all.length() * (1 - TrainModels.HELD_OUT))));
        try (Model m = Models.load(file)) {
            assertEquals(ModelTask.LANGUAGE_MODEL, m.task());
            assertNotNull(m.tokenizer());
            for (String n : List.of("embed", "position", "blocks.0.ln1", "blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.1.mlp.fc1",
                    "blocks.1.mlp.fc2", "ln_f", "head"))
                m.layer(n);
            assertEquals(LayerKind.EMBEDDING, m.layer("embed").kind());
            assertEquals(LayerKind.NORM, m.layer("blocks.0.ln2").kind());
            assertEquals(LayerKind.LINEAR, m.layer("blocks.1.attn.qkv").kind());
            Evaluator ev = new Evaluator(m, heldOut, 32, 0, 256);
            Evaluation full = ev.evaluate();
            assertEquals(doc.get("held_out_loss").asDouble(), full.get(Metric.LOSS), 0.001);
            assertEquals(Math.exp(full.get(Metric.LOSS)), full.get(Metric.PERPLEXITY), 1e-9);
            assertTrue(full.get(Metric.LOSS) < 2.2, "held-out loss " + full.get(Metric.LOSS) + " (uniform would be ln "
                    + m.tokenizer().vocabularySize() + ")");
            m.swap(m.layers(LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.int4().perChannel()));
            Evaluation int4 = ev.evaluate();
            m.restoreAll();
            assertTrue(int4.get(Metric.KL) > 0, "the swap reaches the model");
            assertTrue(int4.get(Metric.LOSS) > full.get(Metric.LOSS), int4.get(Metric.LOSS) + " vs " + full.get(Metric.LOSS));
            assertNotEquals(full.provenance().weights(), int4.provenance().weights());
        }
    }
}
