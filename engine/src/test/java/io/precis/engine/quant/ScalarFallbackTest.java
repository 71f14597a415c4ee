package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Formats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Runs in its own surefire execution, started without {@code --add-modules jdk.incubator.vector}: the engine
 * must load, pick the scalar kernels, say why once, and quantize correctly.
 */
class ScalarFallbackTest {

    @Test
    void withoutTheIncubatorModuleTheScalarKernelsRun() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "this test belongs to the surefire execution without --add-modules jdk.incubator.vector");
        AtomicInteger logged = new AtomicInteger();
        Logger jul = Logger.getLogger("io.precis.engine.quant");
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains("scalar kernels")) {
                    logged.incrementAndGet();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(counter);
        try {
            assertEquals("scalar", Quantizer.standard().kernelName());
            assertTrue(Quantizer.vector().isEmpty());
            String reason = Quantizer.vectorUnavailableReason().orElseThrow();
            assertTrue(reason.contains("--add-modules jdk.incubator.vector"), reason);

            float[] x = {7f, 3.5f, -2.5f, 0.5f, 1.5f, -7f, 0.25f, 6.9f};
            assertArrayEquals(new float[] {7, 4, -2, 0, 2, -7, 0, 7}, Formats.int4().perTensor().fakeQuantize(x.clone()));
            float[] block = new float[32];
            block[0] = 1f;
            block[1] = 0.3f;
            float[] q = Formats.mxfp4().fakeQuantize(block);
            assertEquals(1f, q[0]);
            assertEquals(0.25f, q[1]);
            ByteBuffer b = TestData.direct(x, ByteOrder.LITTLE_ENDIAN);
            Formats.int4().perTensor().fakeQuantize(b);
            assertArrayEquals(new float[] {7, 4, -2, 0, 2, -7, 0, 7}, TestData.read(b));
            float[] big = TestData.gaussian(1 << 16, 1, 1);
            float[] g = Formats.int4().groups(128).fakeQuantize(big.clone(), 256, 256);
            assertEquals(-1, TestData.firstDifference(Quantizer.scalar().threads(1)
                    .fakeQuantize(Formats.int4().groups(128), big.clone(), 256, 256), g));

            assertEquals(1, logged.get(), "the reason is logged once");
        } finally {
            jul.removeHandler(counter);
        }
        // and the vector kernel really cannot link here, which is why it is only ever loaded by name
        assertThrows(LinkageError.class, () -> Class.forName("io.precis.engine.quant.VectorQuantKernel")
                .getDeclaredConstructor().newInstance());
    }
}
