package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Formats;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The TorchScript CNN made by models/torchscript/make_fashion_cnn.py, on DJL's PyTorch engine. */
class TorchScriptTest {
    static final Path FILE = TestFiles.models("torchscript/fashion_cnn.pt");

    @Test
    void loadsWithItsModuleNamesAndReachesItsDocumentedAccuracy() {
        Path data = TestFiles.fashionMnistOrSkip();
        String fileHash = Models.sha256(FILE);
        try (Model m = Models.load(FILE)) {
            assertTrue(m.engine().startsWith("PyTorch 2."), m.engine());
            assertEquals(List.of("conv1", "conv2", "fc1", "norm", "head"), m.layers().stream().map(LayerRef::name).toList());
            assertEquals(List.of(LayerKind.CONV, LayerKind.CONV, LayerKind.LINEAR, LayerKind.NORM, LayerKind.HEAD),
                    m.layers().stream().map(LayerRef::kind).toList());
            assertArrayEquals(new long[] {16, 8, 3, 3}, m.layer("conv2").shape());
            assertEquals(List.of("fc1.weight", "fc1.bias"), m.layer("fc1").tensors().stream().map(TensorRef::name).toList());
            assertEquals(fileHash, m.modelHash());

            ImageSet test = Datasets.fashionMnist(data, "test");
            Evaluator ev = new Evaluator(m, test, 500, 0, Integer.MAX_VALUE);
            Evaluation full = ev.evaluate();
            // documented in fashion_cnn.precis.json / README-models.md: 0.8754 accuracy, 0.3353 loss (PyTorch 1.13 in Python)
            assertEquals(0.8754, full.get(Metric.ACCURACY), 0.0005);
            assertEquals(0.3353, full.get(Metric.LOSS), 0.001);
            assertEquals(0.0, full.get(Metric.KL), 1e-12);

            String original = m.weightsHash();
            m.swap(m.layers(LayerKind.CONV, LayerKind.LINEAR, LayerKind.HEAD), WeightTransform.fakeQuantize(Formats.int8().perChannel()));
            Evaluation int8 = ev.evaluate();
            m.swap(m.layers(LayerKind.CONV, LayerKind.LINEAR, LayerKind.HEAD), WeightTransform.fakeQuantize(Formats.intN(2).perChannel()));
            Evaluation int2 = ev.evaluate();
            assertTrue(int8.get(Metric.KL) > 0 && int8.get(Metric.KL) < 0.01, "int8 KL " + int8.get(Metric.KL));
            assertTrue(int2.get(Metric.KL) > 10 * int8.get(Metric.KL), "int2 KL " + int2.get(Metric.KL));
            m.restoreAll();
            assertEquals(original, m.weightsHash());
            assertEquals(full.get(Metric.LOSS), ev.evaluate().get(Metric.LOSS), 0.0, "restored outputs are the originals");
        }
        assertEquals(fileHash, Models.sha256(FILE), "the model file is never written");
    }
}
