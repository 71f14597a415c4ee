package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.blocks.FashionMlp;
import io.precis.engine.model.djl.BlockBackend;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed Fashion-MNIST MLP: a layer given an outlier weight on purpose becomes the most sensitive. */
class FashionMlpAnalysisTest {
    static final Format INT4_PER_TENSOR = Formats.int4().perTensor();

    /** The committed weights in a block we hold, so one weight can be changed before the model is made. */
    static Model load(String name, String spikedLayer) throws Exception {
        Path file = TestFiles.models("trained/fashion-mlp-0000.params");
        ai.djl.Model djl = ai.djl.Model.newInstance("fashion-mlp", Device.cpu(), "PyTorch");
        djl.setBlock(new FashionMlp(256, 128, 10));
        djl.load(file.getParent(), "fashion-mlp", Map.of("epoch", 0));
        if (spikedLayer != null) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            BlockBackend.collect(djl.getBlock(), "", params);
            NDArray w = params.get(spikedLayer + ".weight").getArray();
            float absmax = w.abs().max().getFloat();
            w.set(new NDIndex(0, 0), 60 * absmax); // one outlier: a per-tensor scale now flattens every other weight
        }
        return Models.fromBlock(name, djl, ModelTask.CLASSIFIER, new int[] {1, 28, 28}, null);
    }

    @Test
    void aLayerMadeSensitiveOnPurposeRanksFirst() throws Exception {
        ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
        List<Format> formats = List.of(INT4_PER_TENSOR, Formats.int8());
        String leastSensitive;
        try (Model plain = load("fashion-mlp", null)) {
            Analysis a = Analysis.of(plain, test).samples(300).cache(SensitivityCache.inMemory());
            List<LayerRef> layers = plain.layers();
            SensitivityTable t = a.sensitivity(layers, formats);
            List<LayerRef> ranked = t.ranked(INT4_PER_TENSOR);
            leastSensitive = ranked.get(ranked.size() - 1).name();
            for (LayerRef l : layers) assertTrue(t.value(l, INT4_PER_TENSOR) > t.value(l, Formats.int8()), l.name());
        }
        try (Model spiked = load("fashion-mlp-spiked", leastSensitive)) {
            Analysis a = Analysis.of(spiked, test).samples(300).cache(SensitivityCache.inMemory());
            SensitivityTable t = a.sensitivity(spiked.layers(), formats);
            assertEquals(leastSensitive, t.ranked(INT4_PER_TENSOR).get(0).name(), t.toText());
            // per channel, the outlier only costs its own row: the layer is far less sensitive than per tensor
            double perChannel = a.sensitivity(List.of(spiked.layer(leastSensitive)), List.of(Formats.int4())).value(leastSensitive, Formats.int4());
            assertTrue(perChannel < t.value(leastSensitive, INT4_PER_TENSOR) / 3, perChannel + " vs " + t.value(leastSensitive, INT4_PER_TENSOR));
            assertNotEquals(0.0, perChannel);
        }
    }
}
