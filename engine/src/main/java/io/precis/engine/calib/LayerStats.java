package io.precis.engine.calib;

/**
 * Running statistics of one layer's input rows (one row per token or sample, {@code d} input features): the Gram
 * matrix XᵀX (upper triangle, float32, d² × 4 bytes — the only large part), per-feature Σ|x| and max |x|, and
 * the row count. Rows are added batch by batch; nothing else of the activations is kept.
 */
public final class LayerStats {
    private final int d;
    private final boolean gram;
    private final float[] xtx;
    private final double[] sumAbs;
    private final float[] maxAbs;
    private long rows;

    /** @param withGram whether to keep XᵀX (GPTQ, AWQ's search); mean and max |x| are always kept */
    public LayerStats(int d, boolean withGram) {
        if (d < 1) throw new IllegalArgumentException("input width must be >= 1, got " + d);
        this.d = d;
        this.gram = withGram;
        this.xtx = withGram ? new float[Math.multiplyExact(d, d)] : null;
        this.sumAbs = new double[d];
        this.maxAbs = new float[d];
    }

    public int width() { return d; }

    public long rows() { return rows; }

    public boolean hasGram() { return gram; }

    /** Bytes this object holds (what the calibration report states as memory). */
    public long bytes() {
        return (gram ? 4L * d * d : 0) + 12L * d + 64;
    }

    /** Adds {@code n} rows of {@code x} (row-major, d floats each, starting at 0). */
    public synchronized void add(float[] x, int n) {
        if ((long) n * d > x.length) throw new IllegalArgumentException(n + " rows of " + d + " need " + (long) n * d + " floats, got " + x.length);
        if (n == 0) return;
        for (int r = 0; r < n; r++) {
            int o = r * d;
            for (int j = 0; j < d; j++) {
                float a = Math.abs(x[o + j]);
                sumAbs[j] += a;
                if (a > maxAbs[j]) maxAbs[j] = a;
            }
        }
        if (gram) io.precis.engine.algo.Linalg.gramUpper(xtx, x, n, d);
        rows += n;
    }

    /** H = 2/n · XᵀX as a full symmetric d×d matrix (GPTQ's Hessian of the layer's squared output error). */
    public float[] hessian() {
        if (!gram) throw new IllegalStateException("these statistics were gathered without XᵀX");
        float[] h = new float[d * d];
        float f = rows == 0 ? 0f : (float) (2.0 / rows);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                float v = xtx[i * d + j] * f;
                h[i * d + j] = v;
                h[j * d + i] = v;
            }
        }
        return h;
    }

    /** Mean |x| per input feature (AWQ's activation magnitude). */
    public float[] meanAbs() {
        float[] m = new float[d];
        for (int j = 0; j < d; j++) m[j] = rows == 0 ? 0f : (float) (sumAbs[j] / rows);
        return m;
    }

    /** Max |x| per input feature (SmoothQuant's activation range; static activation scales). */
    public float[] maxAbs() {
        return maxAbs.clone();
    }
}
