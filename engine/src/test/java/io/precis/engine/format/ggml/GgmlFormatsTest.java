package io.precis.engine.format.ggml;

import static io.precis.engine.format.ggml.GgmlQuantsTest.assertBitsEqual;
import static io.precis.engine.format.ggml.GgmlQuantsTest.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llama.cpp's formats used as Precis formats: the same values as llama.cpp's quantize + dequantize. */
class GgmlFormatsTest {

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"})
    void fakeQuantizationIsLlamaCppsReferenceRoundTrip(String name) throws IOException {
        Format f = Formats.parse(name);
        assertTrue(Formats.names().contains(name));
        GgmlType t = GgmlType.byName(name).orElseThrow();
        assertEquals(t.bitsPerWeight(), f.bitsPerWeight(), 0);
        float[] want = floats("ggml-" + t + ".deq.f32");
        // [8, 512] rows, blocks along each row: exactly what ggml-quants.c computes for these rows
        float[] w = floats("quant-input.f32");
        f.fakeQuantize(w, 8, 512);
        assertBitsEqual(want, w, name + " float[]");
        // the same through a direct little-endian buffer (a DJL tensor's view)
        float[] x = floats("quant-input.f32");
        ByteBuffer b = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        f.fakeQuantize(b, 8, 512);
        float[] got = new float[x.length];
        b.asFloatBuffer().get(got);
        assertBitsEqual(want, got, name + " buffer");
        // transposed [512, 8] with the reduction axis 0 (an ONNX MatMul weight): the transposed result
        float[] tr = new float[x.length];
        for (int r = 0; r < 8; r++) for (int c = 0; c < 512; c++) tr[c * 8 + r] = x[r * 512 + c];
        f.axis(0).fakeQuantize(tr, 512, 8);
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 512; c++)
                assertEquals(Float.floatToIntBits(want[r * 512 + c]), Float.floatToIntBits(tr[c * 8 + r]), name + " axis 0");
    }

    @Test
    void bitsPerWeightAreTrueStorageCostsAndPartialBlocksCountWhole() {
        assertEquals(4.5, Formats.parse("q4_k").bitsPerWeight(), 0);
        assertEquals(6.5625, Formats.parse("q6_k").bitsPerWeight(), 0);
        assertEquals(8.5, Formats.parse("q8_0").bitsPerWeight(), 0);
        assertEquals(4.5, Formats.parse("q4_0").bitsPerWeight(), 0);
        assertEquals(5.0, Formats.parse("q4_1").bitsPerWeight(), 0);
        assertEquals(4.5, Formats.parse("q4_k").bitsPerWeight(1536, 576 * 4), 0);
        assertEquals(2 * 144 * 8 / 300.0, Formats.parse("q4_k").bitsPerWeight(4, 300), 1e-12);
    }

    @Test
    void partialBlocksAreQuantizedAsIfPaddedWithZeros() {
        float[] x = new float[300];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37) * (1 + i % 7);
        float[] padded = java.util.Arrays.copyOf(x, 512);
        Formats.parse("q4_k").fakeQuantize(x, 300);
        Formats.parse("q4_k").fakeQuantize(padded, 512);
        assertBitsEqual(java.util.Arrays.copyOf(padded, 300), x, "padded");
    }

    @Test
    void optionsLlamaCppDoesNotHaveAreRejectedWithTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Formats.parse("q4_k stochastic"));
        assertTrue(e.getMessage().contains("llama.cpp's formats round as its reference quantizers do"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Formats.parse("q4_0 group 64"));
        assertTrue(e.getMessage().contains("Options for q4_0: axis N"), e.getMessage());
        assertEquals("q5_k", Formats.parse("q5_k").toString());
        assertEquals("q5_k axis 0", Formats.parse("q5_k axis 0").toString());
        assertEquals(Formats.parse("q5_k axis 0"), Formats.parse(Formats.parse("q5_k axis 0").toString()));
        assertThrows(IllegalArgumentException.class, () -> Formats.parse("q4_k").encode(new float[256]));
    }
}
