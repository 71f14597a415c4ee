package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Formats;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Quantizing a tensor in place allocates small per-thread tiles and scale arrays, never a tensor-sized copy
 * (measured over every thread, once the kernels are compiled).
 */
class NoFullCopyTest {

    private static long allocatedByAllThreads() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = bean.getAllThreadIds();
        return Arrays.stream(bean.getThreadAllocatedBytes(ids)).filter(v -> v > 0).sum();
    }

    @Test
    void inPlaceQuantizationAllocatesLittle() {
        int rows = 512;
        int cols = 4096;
        long tensorBytes = 4L * rows * cols;
        float[] x = TestData.gaussian(rows * cols, 9, 0.02);
        var direct = TestData.direct(x, ByteOrder.LITTLE_ENDIAN);
        for (String text : List.of("int8", "int4 group 128", "int4 group 128 asymmetric", "fp8_e4m3", "mxfp4", "nf4",
                "nvfp4", "bf16", "int4 group 128 axis 0", "int8 per channel axis 1", "int4 group 128 stochastic seed 1")) {
            var f = Formats.parse(text);
            // warm up: before C2 compiles them, Vector API loops run interpreted and box every vector
            float[] y = x.clone();
            for (int i = 0; i < 5; i++) {
                f.fakeQuantize(y, rows, cols);
                f.fakeQuantize(direct, rows, cols);
            }
            long before = allocatedByAllThreads();
            f.fakeQuantize(y, rows, cols);
            long arrayBytes = allocatedByAllThreads() - before;
            before = allocatedByAllThreads();
            f.fakeQuantize(direct, rows, cols);
            long bufferBytes = allocatedByAllThreads() - before;
            assertTrue(arrayBytes < tensorBytes / 16, text + " allocated " + arrayBytes + " bytes over a float[]");
            assertTrue(bufferBytes < tensorBytes / 16, text + " allocated " + bufferBytes + " bytes over a buffer");
        }
    }
}
