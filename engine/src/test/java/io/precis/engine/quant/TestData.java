package io.precis.engine.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Weight-like test data, plain or laced with the values kernels get wrong. */
final class TestData {

    private TestData() {
    }

    static float[] gaussian(int n, long seed, double sigma) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sigma);
        }
        return x;
    }

    /**
     * Gaussian weights with NaN, infinities, signed zeros, float32 subnormals, huge values, an all-zero stretch,
     * exact halves (ties) and a stretch of tiny values.
     */
    static float[] adversarial(int n, long seed) {
        Random r = new Random(seed);
        float[] x = gaussian(n, seed, 0.05);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -3 * Float.MIN_VALUE, 1e-40f, -1e-39f, 3e38f, -3e38f, 1e-30f, 65504f, 65520f, 448f, 464f, -57344f,
            0x1p-24f, 0x1p-25f, Float.intBitsToFloat(0x7FC00001), Float.intBitsToFloat(0xFF800001)};
        for (int i = 0; i < n; i += 1 + r.nextInt(60)) {
            x[i] = specials[r.nextInt(specials.length)];
        }
        // an all-zero stretch (whole groups of zeros), halves, and tiny values
        int third = n / 3;
        for (int i = third; i < Math.min(n, third + 300); i++) {
            x[i] = (i % 7 == 0) ? -0f : 0f;
        }
        for (int i = 2 * third; i < Math.min(n, 2 * third + 300); i++) {
            x[i] = (r.nextInt(15) - 7) * 0.5f;
        }
        for (int i = n - Math.min(n, 200); i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 1e-41);
        }
        return x;
    }

    static ByteBuffer direct(float[] x, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocateDirect(x.length * 4).order(order);
        b.asFloatBuffer().put(x);
        return b;
    }

    static ByteBuffer heap(float[] x, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(x.length * 4).order(order);
        b.asFloatBuffer().put(x);
        return b;
    }

    static float[] read(ByteBuffer b) {
        float[] out = new float[b.remaining() / 4];
        b.duplicate().order(b.order()).asFloatBuffer().get(out);
        return out;
    }

    /** Index of the first value whose bits differ (NaN equal to NaN), or -1. */
    static int firstDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            return 0;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * NF4's levels as bitsandbytes publishes them, read from the test resource format/nf4-levels.csv (typed
     * from bitsandbytes/functional.py; see nf4_levels.py beside it), never from the engine's own table.
     */
    static float[] nf4PublishedLevels() {
        try (var in = TestData.class.getResourceAsStream("/io/precis/engine/format/nf4-levels.csv")) {
            java.util.List<String> rows = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .skip(1).toList();
            float[] levels = new float[rows.size()];
            for (String row : rows) {
                String[] cols = row.split(",");
                levels[Integer.parseInt(cols[0])] = (float) Double.parseDouble(cols[1]);
            }
            return levels;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
