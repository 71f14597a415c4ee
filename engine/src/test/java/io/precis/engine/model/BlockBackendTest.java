package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.CharTokenizer;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import io.precis.engine.model.train.Training;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Blocks built in Java with DJL: block-path names, seeded reproducible training, swap and restore. */
class BlockBackendTest {
    static final String TEXT = "the sea was calm and the ship sailed on. the whale rose and the crew cried out. ".repeat(40);

    private static Model train(long seed) {
        CharTokenizer tok = CharTokenizer.fromText(TEXT);
        ai.djl.Model djl = Training.charTransformer(TEXT, tok, 16, 16, 2, 1, 40, 8, 1e-2f, seed);
        return Models.fromBlock("tiny-lm", djl, ModelTask.LANGUAGE_MODEL, null, tok);
    }

    @Test
    void trainingWithTheSameSeedGivesTheSameBitsAndADifferentSeedDoesNot() {
        String a, b, c;
        try (Model m = train(3)) { a = m.weightsHash(); }
        try (Model m = train(3)) { b = m.weightsHash(); }
        try (Model m = train(4)) { c = m.weightsHash(); }
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void namesLayersByBlockPathAndSwapsInPlace() {
        try (Model m = train(1)) {
            assertEquals(List.of("embed", "position", "blocks.0.ln1", "blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.ln2",
                    "blocks.0.mlp.fc1", "blocks.0.mlp.fc2", "ln_f", "head"), m.layers().stream().map(LayerRef::name).toList());
            LayerRef qkv = m.layer("blocks.0.attn.qkv");
            assertEquals(LayerKind.LINEAR, qkv.kind());
            assertEquals(List.of("blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias"), qkv.tensors().stream().map(TensorRef::name).toList());
            assertEquals(48, qkv.shape()[0]);
            assertEquals(LayerKind.NORM, m.layer("ln_f").kind());
            assertEquals(LayerKind.HEAD, m.layer("head").kind());
            assertTrue(m.source().startsWith("block:"));

            Evaluator ev = new Evaluator(m, new TextCorpus("tiny", TEXT), 8, 0, 64);
            Evaluation full = ev.evaluate();
            assertTrue(full.get(Metric.LOSS) < Math.log(m.tokenizer().vocabularySize()), "it learned something: " + full.get(Metric.LOSS));
            String original = m.weightsHash();
            m.swap(m.layers(LayerKind.LINEAR, LayerKind.HEAD), WeightTransform.fakeQuantize(Formats.intN(3).perChannel()));
            Evaluation q = ev.evaluate();
            assertTrue(q.get(Metric.KL) > 0, "in-place writes reach the PyTorch tensors");
            m.restoreAll();
            assertEquals(original, m.weightsHash());
            assertEquals(full.get(Metric.LOSS), ev.evaluate().get(Metric.LOSS), 0.0);
        }
    }

    @Test
    void referenceOutputsAreFullPrecisionEvenWhenFirstAskedWhileSwapped() {
        try (Model m = train(2)) {
            m.swap(m.layers(LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.intN(2).perChannel()));
            String swappedHash = m.weightsHash();
            Evaluation q = new Evaluator(m, new TextCorpus("tiny2", TEXT), 8, 0, 32).evaluate();
            assertEquals(swappedHash, m.weightsHash(), "the swaps are back after the full-precision detour");
            m.restoreAll();
            Evaluation full = new Evaluator(m, new TextCorpus("tiny2", TEXT), 8, 0, 32).evaluate();
            assertEquals(0.0, full.get(Metric.KL), 1e-12, "the cached reference is the full-precision output");
            assertTrue(q.get(Metric.KL) > 0);
        }
    }
}
