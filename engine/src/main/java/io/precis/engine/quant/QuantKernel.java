package io.precis.engine.quant;

/**
 * The inner loops of quantization over a run of a float array. Two implementations: {@link ScalarQuantKernel}, the
 * reference, and {@code VectorQuantKernel}, the Vector API fast path, which must produce the same bits.
 *
 * <p>Statistics skip NaN and infinities when {@code finiteOnly}; otherwise they propagate NaN (and infinity)
 * the way {@link Math#max} does, which the OCP MX scale rule needs.
 */
interface QuantKernel {

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
     * Absmax of each group of {@code group} consecutive values of a[off, off+len) (the last may be shorter) into
     * out[outOff + b].
     */
    void absMaxGroups(float[] a, int off, int len, int group, boolean finiteOnly, float[] out, int outOff);

    /** Finite min and max of each group of a[off, off+len) into mins/maxs[outOff + b]. */
    void minMaxGroups(float[] a, int off, int len, int group, float[] mins, float[] maxs, int outOff);

    /**
     * Fake-quantizes each group b of a[off, off+len) with scale s[sOff + b] and zero point z[sOff + b]
     * (z may be null); element j has flat index {@code index + j}. {@code inRange[b]} (array may be null) is a
     * promise that every value of group b already rounds inside the code range, so a kernel may skip the clamp:
     * the result must be the same either way.
     */
    void quantizeGroups(ElementOp op, float[] a, int off, int len, int group, float[] s, float[] z, int sOff,
                        int index, boolean[] inRange);

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
