package io.precis.engine.quant;

/**
 * The inner loops of quantization over a run of a float array. Two implementations: {@link ScalarKernel}, the
 * reference, and {@code VectorKernel}, the Vector API fast path, which must produce the same bits.
 *
 * <p>Statistics skip NaN and infinities when {@code finiteOnly}; otherwise they propagate NaN (and infinity)
 * the way {@link Math#max} does, which the OCP MX scale rule needs.
 */
interface Kernel {

    /** Short name for logs and benchmarks: "scalar" or "vector-256" etc. */
    String name();

    /** Largest |x| over a[off, off+len), or 0 for none. */
    float absMax(float[] a, int off, int len, boolean finiteOnly);

    /** Folds min and max of the finite values of a[off, off+len) into out[0] (min) and out[1] (max). */
    void minMax(float[] a, int off, int len, float[] out);

    /** acc[accOff + j] = max(acc[accOff + j], |a[off + j]|) for j in [0, len). */
    void absMaxLanes(float[] a, int off, int len, float[] acc, int accOff, boolean finiteOnly);

    /** mins/maxs[accOff + j] fold the finite a[off + j] for j in [0, len). */
    void minMaxLanes(float[] a, int off, int len, float[] mins, float[] maxs, int accOff);

    /**
     * Fake-quantizes a[off, off+len) in place with one scale and zero point; element j has flat index
     * {@code index + j} (for stochastic rounding).
     */
    void quantize(ElementOp op, float[] a, int off, int len, float s, float z, int index);

    /**
     * Fake-quantizes a[off, off+len) in place, element j with scale s[sOff + j] and zero point z[sOff + j]
     * (z may be null: all zero).
     */
    void quantizeLanes(ElementOp op, float[] a, int off, int len, float[] s, float[] z, int sOff, int index);
}
