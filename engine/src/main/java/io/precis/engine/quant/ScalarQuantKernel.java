package io.precis.engine.quant;

/** The reference kernel: one plain loop per primitive over {@link ElementOp#apply}. Runs on any JVM. */
final class ScalarQuantKernel implements QuantKernel {

    static final ScalarQuantKernel INSTANCE = new ScalarQuantKernel();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float absMax(float[] a, int off, int len, boolean finiteOnly) {
        float m = 0;
        for (int i = off; i < off + len; i++) {
            float v = Math.abs(a[i]);
            if (!finiteOnly || v < Float.POSITIVE_INFINITY) {
                m = Math.max(m, v);
            }
        }
        return m;
    }

    @Override
    public void minMax(float[] a, int off, int len, float[] out) {
        float mn = out[0];
        float mx = out[1];
        for (int i = off; i < off + len; i++) {
            float v = a[i];
            if (Math.abs(v) < Float.POSITIVE_INFINITY) {
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
        }
        out[0] = mn;
        out[1] = mx;
    }

    @Override
    public void absMaxLanes(float[] a, int off, int len, float[] acc, int accOff, boolean finiteOnly) {
        for (int j = 0; j < len; j++) {
            float v = Math.abs(a[off + j]);
            if (!finiteOnly || v < Float.POSITIVE_INFINITY) {
                acc[accOff + j] = Math.max(acc[accOff + j], v);
            }
        }
    }

    @Override
    public void minMaxLanes(float[] a, int off, int len, float[] mins, float[] maxs, int accOff) {
        for (int j = 0; j < len; j++) {
            float v = a[off + j];
            if (Math.abs(v) < Float.POSITIVE_INFINITY) {
                mins[accOff + j] = Math.min(mins[accOff + j], v);
                maxs[accOff + j] = Math.max(maxs[accOff + j], v);
            }
        }
    }

    @Override
    public void absMaxGroups(float[] a, int off, int len, int group, boolean finiteOnly, float[] out, int outOff) {
        for (int b = 0, j = 0; j < len; b++, j += group) {
            out[outOff + b] = absMax(a, off + j, Math.min(group, len - j), finiteOnly);
        }
    }

    @Override
    public void minMaxGroups(float[] a, int off, int len, int group, float[] mins, float[] maxs, int outOff) {
        float[] mm = new float[2];
        for (int b = 0, j = 0; j < len; b++, j += group) {
            mm[0] = Float.POSITIVE_INFINITY;
            mm[1] = Float.NEGATIVE_INFINITY;
            minMax(a, off + j, Math.min(group, len - j), mm);
            mins[outOff + b] = mm[0];
            maxs[outOff + b] = mm[1];
        }
    }

    @Override
    public void quantizeGroups(ElementOp op, float[] a, int off, int len, int group, float[] s, float[] z, int sOff,
                               int index, boolean[] inRange) {
        for (int b = 0, j = 0; j < len; b++, j += group) {
            quantize(op, a, off + j, Math.min(group, len - j), s[sOff + b], z == null ? 0f : z[sOff + b], index + j);
        }
    }

    @Override
    public void quantize(ElementOp op, float[] a, int off, int len, float s, float z, int index) {
        for (int j = 0; j < len; j++) {
            a[off + j] = op.apply(a[off + j], s, z, index + j);
        }
    }

    @Override
    public void quantizeLanes(ElementOp op, float[] a, int off, int len, float[] s, float[] z, int sOff, int index) {
        for (int j = 0; j < len; j++) {
            a[off + j] = op.apply(a[off + j], s[sOff + j], z == null ? 0f : z[sOff + j], index + j);
        }
    }
}
