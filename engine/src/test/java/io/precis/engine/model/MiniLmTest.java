package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 from its Maven artefact on ONNX Runtime: names, swaps, and what quantization costs. */
class MiniLmTest {
    static Model model;
    static SentenceSet sentences;
    static Evaluator evaluator;

    @BeforeAll
    static void load() {
        model = Models.loadFromMaven(TestFiles.MINILM);
        sentences = Datasets.sentences(TestFiles.sentences()).first(256);
        evaluator = new Evaluator(model, sentences);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void layersCarryTheirModuleNamesNeverExporterIds() {
        assertEquals(ModelTask.EMBEDDING, model.task());
        assertTrue(model.engine().startsWith("OnnxRuntime"), model.engine());
        assertEquals("cpu", model.device());
        for (LayerRef l : model.layers()) assertFalse(l.name().contains("onnx::") || l.name().contains("/"), l.name());
        LayerRef q = model.layer("encoder.layer.0.attention.self.query");
        assertEquals(LayerKind.LINEAR, q.kind());
        assertEquals(List.of(384L, 384L), List.of(q.shape()[0], q.shape()[1]));
        assertEquals(384 * 384 + 384, q.params());
        assertEquals("float32", q.dtype());
        // the weight's own name is the exporter's id; the layer groups it with its bias
        assertTrue(q.weight().name().startsWith("onnx::MatMul"), q.weight().name());
        assertEquals(1, q.weight().channelAxis(), "MatMul weights are [in, out]");
        assertEquals("encoder.layer.0.attention.self.query.bias", q.tensors().get(1).name());
        assertEquals(TensorRef.Role.BIAS, q.tensors().get(1).role());
        assertEquals(36, model.layers(LayerKind.LINEAR).size(), "6 layers x (q, k, v, attention out, intermediate, out)");
        assertEquals(LayerKind.EMBEDDING, model.layer("embeddings.word_embeddings").kind());
        assertEquals(LayerKind.NORM, model.layer("encoder.layer.5.output.LayerNorm").kind());
        assertEquals(List.of(1536L, 384L), List.of(model.layer("encoder.layer.3.output.dense").shape()[0],
                model.layer("encoder.layer.3.output.dense").shape()[1]));
        assertEquals(22_565_376, model.params());
        assertTrue(model.tokenizer().name().contains("all-minilm-l6-v2-tokenizer.json"), model.tokenizer().name());
        assertTrue(model.source().startsWith("maven:dev.langchain4j:"), model.source());
    }

    @Test
    void swapAndRestoreAreBitExactAndNeverTouchTheWeightsOfOtherLayers() {
        String original = model.weightsHash();
        LayerRef key = model.layer("encoder.layer.2.attention.self.key");
        model.swap(key, WeightTransform.fakeQuantize(Formats.int4().perChannel()));
        String swapped = model.weightsHash();
        assertNotEquals(original, swapped);
        assertEquals(java.util.Map.of(key.weight().name(), Formats.int4().perChannel().toString()), model.swapped());
        // swapping again starts from the original, so the result does not compound
        model.swap(key, WeightTransform.fakeQuantize(Formats.int4().perChannel()));
        assertEquals(swapped, model.weightsHash());
        model.restore(key);
        assertEquals(original, model.weightsHash());
        model.swap(model.layers(LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.int8().perChannel()));
        assertEquals(36, model.swapped().size());
        model.restoreAll();
        assertEquals(original, model.weightsHash());
        assertTrue(model.isFullPrecision());
    }

    @Test
    void int8PerChannelKeepsCosineAndInt4LowersItMeasurably() {
        assertTrue(sentences.size() >= 200);
        Evaluation full = evaluator.evaluate();
        assertEquals(1.0, full.get(Metric.COSINE), 1e-9);
        assertEquals(1.0, full.get(Metric.NN_AGREEMENT));
        try {
            model.swap(model.layers(LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.int8().perChannel()));
            Evaluation int8 = evaluator.evaluate();
            model.swap(model.layers(LayerKind.LINEAR), WeightTransform.fakeQuantize(Formats.int4().perChannel()));
            Evaluation int4 = evaluator.evaluate();
            System.out.printf("MiniLM, %d sentences: int8 per-channel cosine %.6f nn %.4f; int4 per-channel cosine %.6f nn %.4f%n",
                    sentences.size(), int8.get(Metric.COSINE), int8.get(Metric.NN_AGREEMENT), int4.get(Metric.COSINE), int4.get(Metric.NN_AGREEMENT));
            assertTrue(int8.get(Metric.COSINE) >= 0.999, "int8 cosine " + int8.get(Metric.COSINE));
            assertTrue(int8.get(Metric.COSINE) < 1.0, "the int8 swap must reach the runtime");
            assertTrue(int4.get(Metric.COSINE) < int8.get(Metric.COSINE) - 0.01, "int4 cosine " + int4.get(Metric.COSINE));
            assertTrue(int4.provenance().weights().contains("36 tensors"), int4.provenance().weights());
        } finally {
            model.restoreAll();
        }
        assertEquals(1.0, evaluator.evaluate().get(Metric.COSINE), 1e-9, "restore reaches the runtime too");
    }

    @Test
    void theThreeOnnxSwapRoutesGiveTheSameOutputs() {
        SentenceSet few = sentences.first(16);
        WeightTransform int4 = WeightTransform.fakeQuantize(Formats.int4().groups(32));
        List<LayerRef> some = model.layers(LayerKind.LINEAR).subList(0, 12);
        float[] fullLive = model.forward(batch(few)).values();
        try {
            model.swap(some, int4);
            float[] live = model.forward(batch(few)).values();
            for (LoadOptions.OnnxSwap route : List.of(LoadOptions.OnnxSwap.ADD_INITIALIZER, LoadOptions.OnnxSwap.REWRITE_PROTO)) {
                try (Model other = Models.loadFromMaven(TestFiles.MINILM, LoadOptions.defaults().onnxSwap(route))) {
                    float[] full = other.forward(batch(few)).values();
                    other.swap(some.stream().map(l -> other.layer(l.name())).toList(), int4);
                    float[] swapped = other.forward(batch(few)).values();
                    assertClose(fullLive, full, route + " at full precision");
                    assertClose(live, swapped, route + " swapped");
                    other.restoreAll();
                    assertClose(full, other.forward(batch(few)).values(), route + " restored");
                }
            }
        } finally {
            model.restoreAll();
        }
        assertClose(fullLive, model.forward(batch(few)).values(), "live restored");
    }

    private static void assertClose(float[] a, float[] b, String what) {
        assertEquals(a.length, b.length);
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        assertTrue(maxDiff < 1e-4, what + ": max difference " + maxDiff);
    }

    private static ModelInput batch(SentenceSet s) {
        return ModelInput.Tokens.of(model.tokenizer(), s.sentences());
    }
}
