package io.precis.engine.quant;

/**
 * Counter-based random bits for stochastic rounding: a pure function of (seed, element index), so draws do not
 * depend on threads, tiling or which kernel ran. Two rounds of a 32-bit avalanche hash (Wellons' lowbias32).
 */
final class Rng {

    private Rng() {
    }

    static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    /** 32 random bits for element {@code index}. */
    static int bits(int key1, int key2, int index) {
        return mix(mix(index ^ key1) + key2);
    }

    /** A uniform float in [0, 1) with 24 random bits, from {@link #bits}. */
    static float unit(int bits) {
        return (bits >>> 8) * 0x1p-24f;
    }

    /** Two 32-bit keys from a 64-bit seed (SplitMix64 finaliser). */
    static int[] keys(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return new int[] {(int) z, (int) (z >>> 32)};
    }
}
