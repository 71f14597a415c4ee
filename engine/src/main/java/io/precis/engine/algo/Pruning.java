package io.precis.engine.algo;

import java.util.Arrays;

/**
 * Magnitude pruning of one weight matrix [rows][cols] (cols the reduction axis): unstructured (the smallest |w| of
 * the whole matrix zeroed to a target fraction; ties at the threshold broken by position) or N:M semi-structured
 * (in every run of M consecutive weights along the reduction axis the N smallest are zeroed: 2:4 as sparse tensor
 * cores store it). Pruning comes before quantization, so scales are chosen on the kept weights and zeros stay zero
 * on every integer grid. Effective bits per weight count the index metadata: a 1-bit mask per weight unstructured,
 * 2 bits per kept weight for 2:4 (NVIDIA's sparse format).
 */
public final class Pruning {
    private Pruning() {}

    /** Zeros the smallest-magnitude {@code fraction} of {@code w} in place; returns how many were zeroed. */
    public static int magnitude(float[] w, double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) throw new IllegalArgumentException("prune fraction must be in [0, 1], got " + fraction);
        int k = (int) Math.round(fraction * w.length);
        if (k == 0) return 0;
        Integer[] idx = new Integer[w.length];
        for (int i = 0; i < w.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(Math.abs(w[a]), Math.abs(w[b]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < k; i++) w[idx[i]] = 0f;
        return k;
    }

    /** N:M along rows of length {@code cols}: in each run of m weights, the n smallest |w| are zeroed (keeping m − n). */
    public static int semiStructured(float[] w, int rows, int cols, int zeroed, int m) {
        if (m < 2 || zeroed < 1 || zeroed >= m) throw new IllegalArgumentException("N:M pruning needs 0 < N < M, got " + zeroed + ":" + m);
        if (cols % m != 0) throw new IllegalArgumentException(zeroed + ":" + m + " pruning needs the reduction axis (" + cols + ") to be a multiple of " + m);
        int count = 0;
        Integer[] idx = new Integer[m];
        for (int r = 0; r < rows; r++) {
            for (int c0 = 0; c0 < cols; c0 += m) {
                int base = r * cols + c0;
                for (int i = 0; i < m; i++) idx[i] = i;
                Arrays.sort(idx, (a, b) -> {
                    int c = Float.compare(Math.abs(w[base + a]), Math.abs(w[base + b]));
                    return c != 0 ? c : Integer.compare(a, b);
                });
                for (int i = 0; i < zeroed; i++) {
                    w[base + idx[i]] = 0f;
                    count++;
                }
            }
        }
        return count;
    }

    /** Bits per weight of a format's {@code bits} (scales included) on a matrix pruned unstructured to {@code fraction}. */
    public static double unstructuredBits(double bits, double fraction) {
        return (1 - fraction) * bits + 1;
    }

    /** Bits per weight of 2:4 sparse storage: half the weights at {@code bits}, plus 2 index bits per kept weight. */
    public static double twoFourBits(double bits) {
        return bits / 2 + 1;
    }
}
