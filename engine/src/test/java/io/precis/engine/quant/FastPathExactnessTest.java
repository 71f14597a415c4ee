package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.format.GroupLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Vector API kernel against the scalar reference, bit for bit (NaN as NaN), on random and adversarial data,
 * across formats, granularities, shapes, thread counts and storages; and decode(encode(x)) against both.
 */
class FastPathExactnessTest {

    private static final List<String> VARIANTS = List.of(
            "int4 group 16", "int4 group 16 asymmetric", "int4 group 16 stochastic seed 5",
            "int4 group 16 asymmetric stochastic seed 5", "int2 group 7", "int5 per channel axis 1",
            "int8 per channel axis 1 asymmetric", "int3 per channel axis 1 stochastic seed 9",
            "int4 per channel axis 1 asymmetric stochastic seed 9", "int4 group 16 axis 0",
            "int4 group 16 axis 0 asymmetric", "int4 group 5 axis 0 stochastic seed 2", "int6 per tensor asymmetric",
            "int4 mse", "int4 group 16 mse asymmetric", "int4 percentile 99", "int4 group 16 percentile 99.5 asymmetric",
            "int8 per tensor mse", "int4 group 16 scales bf16", "int8 per channel scales fp32", "int7 per tensor",
            "fp8_e4m3 per channel", "fp8_e4m3 nonsaturating", "fp8_e5m2 nonsaturating", "fp8_e4m3 unscaled",
            "fp8_e4m3 unscaled nonsaturating", "fp8_e5m2 unscaled nonsaturating", "fp8_e4m3 stochastic seed 3",
            "fp8_e5m2 stochastic seed 3 nonsaturating", "fp8_e4m3 unscaled stochastic seed 3 nonsaturating",
            "fp8_e4m3 group 16 axis 0", "fp6_e3m2 group 32", "fp6_e2m3 per channel axis 1",
            "fp4_e2m1 group 16 stochastic seed 2", "fp4_e2m1 group 16 mse", "fp4_e2m1 unscaled",
            "nf4 group 16 stochastic seed 4", "nf4 per channel axis 1", "nf4 group 16 axis 0", "nf4 group 16 scales fp16",
            "nf4 per tensor percentile 99.9", "mxfp4 axis 0", "mxfp8 stochastic seed 1", "mxfp8_e5m2 axis 0",
            "mxint8 axis 0", "mxint8 stochastic seed 8", "mxfp6_e3m2 axis 1", "mxfp6 stochastic seed 2",
            "nvfp4 axis 0", "nvfp4 stochastic seed 6", "bf16 stochastic seed 2", "fp16 stochastic seed 2",
            "fp16 per tensor", "bf16 per channel scales bf16", "bf16 per tensor stochastic seed 1", "fp16 saturating",
            "int4 per channel axis 2", "int4 group 3 axis 1");

    private static final List<int[]> SHAPES = List.of(
            new int[] {300, 130}, new int[] {37, 53}, new int[] {4, 5, 6, 7}, new int[] {1000}, new int[] {130, 300},
            new int[] {4, 10000}, new int[] {3, 5000, 3}, new int[] {3, 600, 20}, new int[] {2, 33, 1, 70});

    static Stream<Arguments> cases() {
        List<String> formats = new ArrayList<>(Formats.names());
        // llama.cpp's formats have one kernel (format.ggml, tested against llama.cpp itself), no fast path
        formats.removeIf(n -> io.precis.engine.format.ggml.GgmlFormats.is(Formats.parse(n)));
        formats.addAll(VARIANTS);
        List<Arguments> out = new ArrayList<>();
        for (String f : formats) {
            for (int[] shape : SHAPES) {
                Format format = Formats.parse(f);
                try {
                    GroupLayout.of(format, shape);
                } catch (IllegalArgumentException e) {
                    continue;   // group larger than the row, or no such axis
                }
                boolean big = shape.length >= 2 && shape[0] * shape[1] >= 30000 || shape.length == 3;
                boolean slow = f.contains("mse") || f.contains("percentile");
                if (big && slow && shape[0] != 300) {
                    continue;   // searches run the scalar reference; one large shape is enough
                }
                out.add(Arguments.of(f, shape));
            }
        }
        return out.stream();
    }

    @Test
    void theVectorKernelIsActuallyUnderTest() {
        assertTrue(Quantizer.vector().isPresent(), "surefire runs with --add-modules jdk.incubator.vector: "
                + Quantizer.vectorUnavailableReason().orElse(""));
        assertTrue(Quantizer.standard().kernelName().startsWith("vector"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void fastPathEqualsTheReference(String text, int[] shape) {
        Format f = Formats.parse(text);
        Quantizer reference = Quantizer.scalar().threads(1);
        Quantizer vector = Quantizer.vector().orElseThrow();
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        for (int variant = 0; variant < 2; variant++) {
            float[] x = variant == 0 ? TestData.gaussian(n, n + 17, 0.05) : TestData.adversarial(n, n + 31);
            String what = text + " " + Arrays.toString(shape) + (variant == 0 ? " gaussian" : " adversarial");
            float[] expected = reference.fakeQuantize(f, x.clone(), shape);

            same(expected, vector.threads(2).fakeQuantize(f, x.clone(), shape), x, what + ", vector x2");
            same(expected, vector.threads(1).fakeQuantize(f, x.clone(), shape), x, what + ", vector x1");
            ByteBuffer direct = TestData.direct(x, ByteOrder.LITTLE_ENDIAN);
            vector.threads(2).fakeQuantize(f, direct, shape);
            same(expected, TestData.read(direct), x, what + ", vector x2 on a direct little-endian buffer");
            ByteBuffer heap = TestData.heap(x, ByteOrder.BIG_ENDIAN);
            Quantizer.scalar().threads(2).fakeQuantize(f, heap, shape);
            same(expected, TestData.read(heap), x, what + ", scalar x2 on a big-endian heap buffer");

            boolean hasNaN = false;
            for (float v : x) {
                hasNaN |= Float.isNaN(v);
            }
            boolean nanEncodable = f.isMx() || (f.element() instanceof Element.Float e && e.type().hasNaN());
            if (hasNaN && !nanEncodable) {
                assertThrows(IllegalArgumentException.class, () -> reference.encode(f, x, shape), what);
            } else {
                Encoded e = vector.encode(f, x, shape);
                same(expected, e.decode(), x, what + ", decode(encode)");
                assertEquals(f.bitsPerWeight(shape) * n, e.storageBits(), 1e-6, what + " storage bits");
            }
        }
    }

    private static void same(float[] expected, float[] actual, float[] input, String what) {
        int i = TestData.firstDifference(expected, actual);
        if (i >= 0) {
            throw new AssertionError(what + ": element " + i + " of input " + input[i] + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(input[i])) + ") gives " + actual[i] + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + "), reference " + expected[i] + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(expected[i])) + ")");
        }
    }

    @Test
    void bitTrickRoundingEqualsTheReferenceDefinition() {
        // the scalar form of the vector kernel's rounding, against MiniFloat.round, around every value of each type
        for (String name : List.of("fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "fp16", "bf16")) {
            for (boolean saturate : new boolean[] {true, false}) {
                Format f = Formats.parse(name);
                var type = ((Element.Float) f.element()).type();
                if (!saturate && !type.hasNaN()) {
                    continue;
                }
                ElementOp op = ElementOp.cast(type, saturate);
                List<Float> probes = new ArrayList<>();
                int codes = 1 << type.bits();
                int step = codes > 4096 ? 7 : 1;
                float previous = Float.NaN;
                for (int c = 0; c < codes; c += step) {
                    float v = type.decode(c);
                    probes.add(v);
                    probes.add(Math.nextUp(v));
                    probes.add(Math.nextDown(v));
                    if (Float.isFinite(v) && Float.isFinite(previous)) {
                        float mid = (float) (((double) v + previous) / 2);
                        probes.add(mid);
                        probes.add(Math.nextUp(mid));
                        probes.add(Math.nextDown(mid));
                    }
                    previous = v;
                }
                var r = new java.util.Random(name.hashCode());
                for (int i = 0; i < 200_000; i++) {
                    probes.add(Float.intBitsToFloat(r.nextInt()));
                }
                for (float x : probes) {
                    float want = type.round(x, saturate);
                    float got = op.roundBits(x);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                            name + " saturate=" + saturate + " x=" + x);
                }
            }
        }
    }

    @Test
    void aScaleRoundedFarDownStillClamps() {
        // amax / 7 = 1.4 * 2^-24 is an fp16 subnormal that rounds down to 2^-24: amax / s = 9.8 > 7.5
        float amax = 1.4f * 0x1p-24f * 7;
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 2 == 0 ? amax : -amax) * ((i % 7) / 6f);
        }
        Format f = Formats.int4().groups(128);
        float[] expected = Quantizer.scalar().fakeQuantize(f, x.clone(), 2, 128);
        assertEquals(0x1p-24f, Quantizer.scalar().encode(f, x, 2, 128).scale(0));
        assertEquals(7 * 0x1p-24f, expected[6]);                    // x = +amax clamps to the top code
        assertEquals(-7 * 0x1p-24f, expected[13]);                  // x = -amax
        same(expected, Quantizer.vector().orElseThrow().fakeQuantize(f, x.clone(), 2, 128), x, "int4 group 128");
    }

    @Test
    void threadCountDoesNotChangeTheBits() {
        float[] x = TestData.adversarial(1 << 17, 3);
        for (String text : List.of("fp8_e4m3 mse", "int4 percentile 99.9 per tensor", "nvfp4", "int4 group 64 axis 0")) {
            Format f = Formats.parse(text);
            float[] one = Quantizer.standard().threads(1).fakeQuantize(f, x.clone(), 256, 512);
            for (int t = 2; t <= 5; t++) {
                float[] many = Quantizer.standard().threads(t).fakeQuantize(f, x.clone(), 256, 512);
                same(one, many, x, text + " with " + t + " threads");
            }
        }
    }

    @Test
    void theSameFormatValueIsReproducible() {
        float[] x = TestData.gaussian(10_000, 5, 1);
        Format sr = Formats.int4().groups(64).stochastic(42);
        float[] a = sr.fakeQuantize(x.clone(), 100, 100);
        float[] b = sr.fakeQuantize(x.clone(), 100, 100);
        float[] c = Formats.int4().groups(64).stochastic(43).fakeQuantize(x.clone(), 100, 100);
        assertEquals(-1, TestData.firstDifference(a, b), "same seed, same bits");
        assertTrue(TestData.firstDifference(a, c) >= 0, "another seed draws differently");
    }
}
