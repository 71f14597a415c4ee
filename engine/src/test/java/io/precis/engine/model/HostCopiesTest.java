package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.djl.DjlBackend;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The GPU's weight path (host copies written by swaps, uploaded in {@code weightsChanged}) run on CPU tensors
 * through its test switch, against the usual zero-copy path: the same scores bit for bit, restored weights
 * uploaded too, and a write that skipped the upload is caught. The GPU itself: {@code make bench-gpu}.
 */
class HostCopiesTest {

    private static Model load(Path file, boolean hostCopies) {
        if (!hostCopies) return Models.load(file);
        System.setProperty(DjlBackend.HOST_COPIES_PROPERTY, "true");
        try {
            return Models.load(file);
        } finally {
            System.clearProperty(DjlBackend.HOST_COPIES_PROPERTY);
        }
    }

    @Test
    void hostCopiesGiveTheSameTableAsInPlaceViewsOnBothDjlBackends() {
        ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
        List<Format> formats = List.of(Formats.int4(), Formats.int2());
        for (String file : List.of("torchscript/fashion_cnn.pt", "trained/fashion-mlp-0000.params")) {
            try (Model plain = load(TestFiles.models(file), false); Model copies = load(TestFiles.models(file), true)) {
                DjlBackend b = (DjlBackend) copies.backend();
                SensitivityTable a = Analysis.of(plain, test).samples(64).cache(SensitivityCache.inMemory()).sensitivity(formats);
                SensitivityTable c = Analysis.of(copies, test).samples(64).cache(SensitivityCache.inMemory()).sensitivity(formats);
                for (LayerRef l : a.layers())
                    for (Format f : formats) assertEquals(a.value(l, f), c.value(l.name(), f), 0.0, file + " " + l.name() + " " + f);
                assertTrue(b.uploads() >= 2L * a.layers().size() * formats.size(), file + ": each swap and each restore uploads");
                assertEquals(List.of(), b.staleOnDevice());
                assertEquals(0, ((DjlBackend) plain.backend()).uploads());
                assertEquals(plain.weightsHash(), copies.weightsHash());
            }
        }
    }

    @Test
    void restoredTensorsAreUploadedAndASkippedUploadIsCaught() {
        ModelInput in = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test").batch(0, 32);
        try (Model m = load(TestFiles.models("trained/fashion-mlp-0000.params"), true)) {
            DjlBackend b = (DjlBackend) m.backend();
            float[] full = m.forward(in).values();
            LayerRef fc1 = m.layer("fc1"), fc2 = m.layer("fc2");
            m.swap(fc1, WeightTransform.fakeQuantize(Formats.intN(2)));
            m.swap(fc2, WeightTransform.fakeQuantize(Formats.intN(2)));
            float[] both = m.forward(in).values();
            assertFalse(java.util.Arrays.equals(full, both), "the swaps reached the tensors");
            m.restore(fc1); // fc1 is no longer modified, but its device copy still holds int2 values until sent back
            m.restore(fc2);
            assertArrayEquals(full, m.forward(in).values(), 0f);
            assertEquals(List.of(), b.staleOnDevice());

            // a write that bypasses Model (so no upload follows) leaves the device copy stale, and the check says so
            TensorRef w = fc1.weights().get(0);
            ByteBuffer host = b.weights(w);
            host.putFloat(0, host.getFloat(0) + 1f);
            assertEquals(List.of(w.name()), b.staleOnDevice());
            assertArrayEquals(full, m.forward(in).values(), 0f);
        }
    }
}
