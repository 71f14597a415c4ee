package io.precis.engine.format.ggml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ggml (de)quantization against llama.cpp's own code: values from the {@code gguf} package's dequantizers, blocks
 * from its numpy quantizers and from the C reference quantizers of ggml-quants.c (made by
 * tests/reference/make_ggml_reference.py and ggml_ref_vectors.sh, committed under src/test/resources/gguf).
 */
class GgmlQuantsTest {
    static final Path DIR = Path.of("src/test/resources/gguf");

    static byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(DIR.resolve(name));
    }

    static float[] floats(String name) throws IOException {
        byte[] b = bytes(name);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i]))
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", gguf gives " + want[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void dequantizesRandomBlocksAsGgufDoes(GgmlType t) throws IOException {
        byte[] raw = bytes("random-" + t + ".bin");
        float[] want = floats("random-" + t + ".deq.f32");
        float[] got = new float[want.length];
        GgmlQuants.dequantize(t, ByteBuffer.wrap(raw), 0, got, 0, got.length);
        assertBitsEqual(want, got, t + " random blocks");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "BF16", "F16"})
    void quantizesAsGgufNumpyQuantizers(GgmlType t) throws IOException {
        float[] x = floats("quant-input.f32");
        byte[] want = bytes("gguf-" + t + ".bin");
        ByteBuffer got = ByteBuffer.allocate((int) t.bytes(x.length));
        GgmlQuants.quantize(t, x, 0, x.length, got, 0);
        assertBlocksEqual(t, want, got.array());
        float[] back = new float[x.length];
        GgmlQuants.dequantize(t, got, 0, back, 0, back.length);
        assertBitsEqual(floats("gguf-" + t + ".deq.f32"), back, t + " round trip");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void quantizesAsLlamaCppReferenceQuantizers(GgmlType t) throws IOException {
        float[] x = floats("quant-input.f32");
        byte[] want = bytes("ggml-" + t + ".bin");
        ByteBuffer got = ByteBuffer.allocate((int) t.bytes(x.length));
        GgmlQuants.quantize(t, x, 0, x.length, got, 0);
        assertBlocksEqual(t, want, got.array());
        float[] back = new float[x.length];
        GgmlQuants.dequantize(t, got, 0, back, 0, back.length);
        assertBitsEqual(floats("ggml-" + t + ".deq.f32"), back, t + " round trip");
    }

    private static void assertBlocksEqual(GgmlType t, byte[] want, byte[] got) {
        assertEquals(want.length, got.length, t + ": bytes");
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                int block = i / t.blockBytes();
                throw new AssertionError(t + ": block " + block + " (row " + block * t.blockSize() / 512 + ") byte "
                        + (i % t.blockBytes()) + " is " + (got[i] & 0xff) + ", the reference has " + (want[i] & 0xff)
                        + "\n want " + Arrays.toString(Arrays.copyOfRange(want, block * t.blockBytes(), (block + 1) * t.blockBytes()))
                        + "\n got  " + Arrays.toString(Arrays.copyOfRange(got, block * t.blockBytes(), (block + 1) * t.blockBytes())));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void bitsPerWeightAreTheStorageCost(GgmlType t) {
        double expected = switch (t) {
            case F32 -> 32; case F16, BF16 -> 16; case Q4_0 -> 4.5; case Q4_1 -> 5; case Q5_0 -> 5.5; case Q5_1 -> 6;
            case Q8_0 -> 8.5; case Q2_K -> 2.625; case Q3_K -> 3.4375; case Q4_K -> 4.5; case Q5_K -> 5.5; case Q6_K -> 6.5625;
        };
        assertEquals(expected, t.bitsPerWeight(), 0);
    }
}
