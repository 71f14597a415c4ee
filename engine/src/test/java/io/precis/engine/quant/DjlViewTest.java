package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Quantizing a real PyTorch tensor in place through DJL's zero-copy buffer view. */
class DjlViewTest {

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    @Test
    void aTensorIsQuantizedInPlaceThroughItsBufferView() {
        float[] x = TestData.gaussian(64 * 256, 4, 0.05);
        Format f = Formats.int4().groups(128);
        float[] expected = f.fakeQuantize(x.clone(), 64, 256);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray tensor = manager.create(x, new Shape(64, 256));
            ByteBuffer view = tensor.toByteBuffer(true);
            assertTrue(view.isDirect(), "a direct view of the tensor's memory");
            f.fakeQuantize(view, 64, 256);
            float[] after = tensor.toFloatArray();
            assertEquals(-1, TestData.firstDifference(expected, after), "the tensor itself changed, bit for bit");
        }
    }
}
