package io.precis.engine.quant;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A small property-test driver: each property runs many tries, every try from its own seed, and a failure
 * names the try and seed so it can be replayed. Generators favour the edge cases quantization cares about
 * (zeros, signed zeros, exact halves, values at format boundaries) alongside random bit patterns.
 */
final class Gen {

    /** Thrown by {@link #assume}: the try does not apply and is skipped. */
    private static final class Skip extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skip() {
            super(null, null, false, false);
        }
    }

    private final SplittableRandom random;

    private Gen(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Runs {@code property} for {@code tries} seeds derived from the property's name; fails on the first counterexample. */
    static void forAll(String property, int tries, Consumer<Gen> body) {
        long base = property.hashCode() * 0x9E3779B97F4A7C15L;
        int skipped = 0;
        for (int i = 0; i < tries; i++) {
            long seed = base + i;
            try {
                body.accept(new Gen(seed));
            } catch (Skip s) {
                skipped++;
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(property + ": try " + i + " of " + tries + " (seed " + seed + ") failed: "
                        + e.getMessage(), e);
            }
        }
        if (skipped > tries * 0.8) {
            throw new AssertionError(property + ": " + skipped + " of " + tries + " tries did not apply; the generators miss the property");
        }
    }

    void assume(boolean condition) {
        if (!condition) {
            throw new Skip();
        }
    }

    int between(int min, int max) {
        return random.nextInt(min, max + 1);
    }

    boolean bool() {
        return random.nextBoolean();
    }

    long anyLong() {
        return random.nextLong();
    }

    <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    @SafeVarargs
    final <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** Floats with every mantissa bit random and a binary exponent in [minExp, maxExp], either sign. */
    float floatWithExponent(int minExp, int maxExp) {
        int mantissa = random.nextInt(1 << 23);
        int exp = between(minExp, maxExp);
        float v = Float.intBitsToFloat(((exp + 127) << 23) | mantissa);
        return bool() ? v : -v;
    }

    /** A weight-like value: mostly random magnitudes, sometimes an exact edge case. */
    float weightValue() {
        return switch (random.nextInt(3)) {
            case 0 -> floatWithExponent(-12, 6);
            case 1 -> floatWithExponent(-3, 0);
            default -> pick(0f, -0f, 0.5f, -1.5f, 2.5f, 7f, -7f);
        };
    }

    /** 1 to 300 weights. */
    float[] weights() {
        float[] w = new float[between(1, 300)];
        for (int i = 0; i < w.length; i++) {
            w[i] = weightValue();
        }
        return w;
    }

    /** Any input value a tensor may hold, far outside every format's range included. */
    float anyValue() {
        return random.nextInt(4) == 0 ? pick(0f, -0f, 0.5f, 1.5f, -2.5f) : floatWithExponent(-40, 13);
    }

    /** A positive scale over a wide range. */
    float anyScale() {
        return Math.abs(floatWithExponent(-20, 9));
    }

    /** Any float bit pattern, with the special values often. */
    float anyFloat() {
        if (random.nextInt(5) == 0) {
            return pick(0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, Float.NaN,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        }
        return Float.intBitsToFloat(random.nextInt());
    }
}
