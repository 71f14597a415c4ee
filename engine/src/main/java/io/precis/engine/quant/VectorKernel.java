package io.precis.engine.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API fast path. The only class that touches {@code jdk.incubator.vector}; it is loaded by reflection
 * and only when that module is in the boot layer ({@link Kernels}). Every loop computes exactly what
 * {@link ElementOp#apply} computes, lane by lane, with tricks that give the same bits:
 * <ul>
 * <li>rint(y) for |y| <= 2^22 as (y + 1.5*2^23) - 1.5*2^23 (the FPU rounds to nearest even);</li>
 * <li>floor(t) as trunc(t) - (trunc(t) > t) with float/int conversions;</li>
 * <li>small-float rounding on the float32 bit pattern (add half an ulp of the target, with the tie bit, and
 *     mask), and among the target's subnormals by adding and subtracting 2^(emin - m + 23).</li>
 * </ul>
 * Tails shorter than a vector run the scalar reference.
 */
final class VectorKernel implements Kernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final float MAGIC = 0x1.8p23f;
    private static final float INF = Float.POSITIVE_INFINITY;
    private static final int NAN_BITS = 0x7FC00000;

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize();
    }

    // ---------------------------------------------------------------- statistics

    @Override
    public float absMax(float[] a, int off, int len, boolean finiteOnly) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(len);
        int j = 0;
        if (finiteOnly) {
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, a, off + j).abs();
                acc = acc.max(v.blend(0f, v.compare(VectorOperators.LT, INF).not()));
            }
        } else {
            for (; j < bound; j += L) {
                acc = acc.max(FloatVector.fromArray(F, a, off + j).abs());
            }
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        return Math.max(m, ScalarKernel.INSTANCE.absMax(a, off + j, len - j, finiteOnly));
    }

    @Override
    public void minMax(float[] a, int off, int len, float[] out) {
        FloatVector mn = FloatVector.broadcast(F, INF);
        FloatVector mx = FloatVector.broadcast(F, -INF);
        int bound = F.loopBound(len);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, a, off + j);
            VectorMask<Float> bad = v.abs().compare(VectorOperators.LT, INF).not();
            mn = mn.min(v.blend(INF, bad));
            mx = mx.max(v.blend(-INF, bad));
        }
        out[0] = Math.min(out[0], mn.reduceLanes(VectorOperators.MIN));
        out[1] = Math.max(out[1], mx.reduceLanes(VectorOperators.MAX));
        ScalarKernel.INSTANCE.minMax(a, off + j, len - j, out);
    }

    @Override
    public void absMaxLanes(float[] a, int off, int len, float[] acc, int accOff, boolean finiteOnly) {
        int bound = F.loopBound(len);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, a, off + j).abs();
            if (finiteOnly) {
                v = v.blend(0f, v.compare(VectorOperators.LT, INF).not());
            }
            FloatVector.fromArray(F, acc, accOff + j).max(v).intoArray(acc, accOff + j);
        }
        ScalarKernel.INSTANCE.absMaxLanes(a, off + j, len - j, acc, accOff + j, finiteOnly);
    }

    @Override
    public void minMaxLanes(float[] a, int off, int len, float[] mins, float[] maxs, int accOff) {
        int bound = F.loopBound(len);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, a, off + j);
            VectorMask<Float> bad = v.abs().compare(VectorOperators.LT, INF).not();
            FloatVector.fromArray(F, mins, accOff + j).min(v.blend(INF, bad)).intoArray(mins, accOff + j);
            FloatVector.fromArray(F, maxs, accOff + j).max(v.blend(-INF, bad)).intoArray(maxs, accOff + j);
        }
        ScalarKernel.INSTANCE.minMaxLanes(a, off + j, len - j, mins, maxs, accOff + j);
    }

    // ---------------------------------------------------------------- quantization

    @Override
    public void quantize(ElementOp op, float[] a, int off, int len, float s, float z, int index) {
        int bound = F.loopBound(len);
        FloatVector sv = FloatVector.broadcast(F, s);
        switch (op.kind) {
            case ElementOp.INT -> {
                FloatVector lo = FloatVector.broadcast(F, op.qmin - z);
                FloatVector hi = FloatVector.broadcast(F, op.qmax - z);
                if (op.stochastic) {
                    for (int j = 0; j < bound; j += L) {
                        intStochastic(op, a, off + j, sv, lo, hi, index + j);
                    }
                } else {
                    for (int j = 0; j < bound; j += L) {
                        FloatVector x = FloatVector.fromArray(F, a, off + j);
                        intNearest(x, sv, lo, hi).intoArray(a, off + j);
                    }
                }
            }
            case ElementOp.FLOAT -> {
                for (int j = 0; j < bound; j += L) {
                    FloatVector x = FloatVector.fromArray(F, a, off + j);
                    floatRound(op, x, sv, index + j).intoArray(a, off + j);
                }
            }
            default -> {
                for (int j = 0; j < bound; j += L) {
                    FloatVector x = FloatVector.fromArray(F, a, off + j);
                    tableRound(op, x, sv, index + j).intoArray(a, off + j);
                }
            }
        }
        ScalarKernel.INSTANCE.quantize(op, a, off + bound, len - bound, s, z, index + bound);
    }

    @Override
    public void quantizeLanes(ElementOp op, float[] a, int off, int len, float[] s, float[] z, int sOff, int index) {
        int bound = F.loopBound(len);
        switch (op.kind) {
            case ElementOp.INT -> {
                FloatVector qmin = FloatVector.broadcast(F, op.qmin);
                FloatVector qmax = FloatVector.broadcast(F, op.qmax);
                for (int j = 0; j < bound; j += L) {
                    FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
                    FloatVector lo = qmin;
                    FloatVector hi = qmax;
                    if (z != null) {
                        FloatVector zv = FloatVector.fromArray(F, z, sOff + j);
                        lo = qmin.sub(zv);
                        hi = qmax.sub(zv);
                    }
                    if (op.stochastic) {
                        intStochastic(op, a, off + j, sv, lo, hi, index + j);
                    } else {
                        intNearest(FloatVector.fromArray(F, a, off + j), sv, lo, hi).intoArray(a, off + j);
                    }
                }
            }
            case ElementOp.FLOAT -> {
                for (int j = 0; j < bound; j += L) {
                    FloatVector x = FloatVector.fromArray(F, a, off + j);
                    floatRound(op, x, FloatVector.fromArray(F, s, sOff + j), index + j).intoArray(a, off + j);
                }
            }
            default -> {
                for (int j = 0; j < bound; j += L) {
                    FloatVector x = FloatVector.fromArray(F, a, off + j);
                    tableRound(op, x, FloatVector.fromArray(F, s, sOff + j), index + j).intoArray(a, off + j);
                }
            }
        }
        ScalarKernel.INSTANCE.quantizeLanes(op, a, off + bound, len - bound, s, z, sOff + bound, index + bound);
    }

    // ---------------------------------------------------------------- per-vector element ops

    /** rint(clamp(x / s, lo, hi)) * s; the magic-number rint never yields -0, like the reference's r + 0f. */
    private static FloatVector intNearest(FloatVector x, FloatVector s, FloatVector lo, FloatVector hi) {
        FloatVector y = x.div(s).max(lo).min(hi);
        return y.add(MAGIC).sub(MAGIC).mul(s);
    }

    private static void intStochastic(ElementOp op, float[] a, int at, FloatVector s, FloatVector lo,
                                      FloatVector hi, int index) {
        FloatVector x = FloatVector.fromArray(F, a, at);
        FloatVector t = x.div(s).add(unit(random(op, index))).max(lo).min(hi);
        floor(t).mul(s).intoArray(a, at);
    }

    /** floor(t) for |t| < 2^31, NaN kept; never -0 (as the reference's floor(t) + 0f). */
    private static FloatVector floor(FloatVector t) {
        FloatVector tr = (FloatVector) ((IntVector) t.convert(VectorOperators.F2I, 0)).convert(VectorOperators.I2F, 0);
        FloatVector fl = tr.sub(FloatVector.broadcast(F, 1f), tr.compare(VectorOperators.GT, t));
        return fl.blend(t, t.test(VectorOperators.IS_NAN));
    }

    private static FloatVector floatRound(ElementOp op, FloatVector x, FloatVector s, int index) {
        FloatVector y = op.scaled ? x.div(s) : x;
        IntVector bits = y.reinterpretAsInts();
        IntVector sign = bits.and(0x80000000);
        IntVector a = bits.and(0x7FFFFFFF);
        VectorMask<Integer> normal = a.compare(VectorOperators.GE, op.minNormalBits);
        VectorMask<Integer> nan = a.compare(VectorOperators.GT, 0x7F800000);
        IntVector r;
        VectorMask<Integer> over;
        if (op.stochastic) {
            IntVector rnd = random(op, index);
            IntVector rn = a.add(rnd.and(op.lowMask)).and(~op.lowMask);
            FloatVector t = a.reinterpretAsFloats().add(unit(rnd).mul(op.subQuantum));
            FloatVector tq = t.div(op.subQuantum);
            FloatVector rsf = ((FloatVector) ((IntVector) tq.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0)).mul(op.subQuantum);
            r = rsf.reinterpretAsInts().blend(rn, normal);
            over = a.compare(VectorOperators.GT, op.maxBits).or(r.compare(VectorOperators.GT, op.maxBits));
        } else {
            IntVector rn = a.add(a.lanewise(VectorOperators.LSHR, op.shift).and(1)).add(op.halfMinus1)
                    .and(~op.lowMask);
            FloatVector af = a.reinterpretAsFloats();
            IntVector rs = af.add(op.subMagic).sub(op.subMagic).reinterpretAsInts();
            r = rs.blend(rn, normal);
            over = r.compare(VectorOperators.GT, op.maxBits);
        }
        r = r.blend(op.overflowBits, over).or(sign);
        if (op.overflowIsNaN) {
            nan = nan.or(over);
        }
        FloatVector q = r.blend(NAN_BITS, nan).reinterpretAsFloats();
        return op.scaled ? q.mul(s) : q;
    }

    private static FloatVector tableRound(ElementOp op, FloatVector x, FloatVector s, int index) {
        FloatVector y = x.div(s);
        float[] lv = op.levels;
        FloatVector v;
        if (op.stochastic) {
            FloatVector yc = y.max(lv[0]).min(lv[lv.length - 1]);
            FloatVector lo = FloatVector.broadcast(F, lv[0]);
            FloatVector hi = FloatVector.broadcast(F, lv[1]);
            for (int i = 1; i < lv.length - 1; i++) {
                VectorMask<Float> m = yc.compare(VectorOperators.GE, lv[i]);
                lo = lo.blend(lv[i], m);
                hi = hi.blend(lv[i + 1], m);
            }
            FloatVector p = yc.sub(lo).div(hi.sub(lo));
            v = lo.blend(hi, unit(random(op, index)).compare(VectorOperators.LT, p));
        } else {
            float[] th = op.thresholds;
            v = FloatVector.broadcast(F, lv[0]);
            for (int i = 0; i < th.length; i++) {
                VectorMask<Float> m = y.compare(op.tieUp[i] ? VectorOperators.GE : VectorOperators.GT, th[i]);
                v = v.blend(lv[i + 1], m);
            }
        }
        v = v.blend(Float.NaN, y.test(VectorOperators.IS_NAN));
        return v.mul(s);
    }

    // ---------------------------------------------------------------- random bits (same as Rng)

    private static IntVector random(ElementOp op, int index) {
        IntVector idx = IntVector.zero(I).addIndex(1).add(index);
        return mix(mix(idx.lanewise(VectorOperators.XOR, op.key1)).add(op.key2));
    }

    private static IntVector mix(IntVector x) {
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(0x7feb352d);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15));
        x = x.mul(0x846ca68b);
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
    }

    private static FloatVector unit(IntVector bits) {
        return ((FloatVector) bits.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
    }
}
