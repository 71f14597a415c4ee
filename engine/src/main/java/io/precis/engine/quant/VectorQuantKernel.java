package io.precis.engine.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API fast path. The only class that touches {@code jdk.incubator.vector}; it is loaded by reflection
 * and only when that module is in the boot layer ({@link QuantKernels}). Every loop computes exactly what
 * {@link ElementOp#apply} computes, lane by lane, with tricks that give the same bits:
 * <ul>
 * <li>rint(y) for |y| <= 2^22 as (y + 1.5*2^23) - 1.5*2^23 (the FPU rounds to nearest even);</li>
 * <li>floor(t) as trunc(t) - (trunc(t) > t) with float/int conversions;</li>
 * <li>small-float rounding by adding and subtracting 2^(max(e, emin) - m + 23), which makes the FPU round to the
 *     quantum of y's binade (for bfloat16, whose top binades would overflow that constant, on the bit pattern);
 *     overflow and NaN are one comparison against the last in-range bit pattern, fixed up off the main path;</li>
 * <li>maxima of |x| on integer lanes (magnitudes order like their bit patterns), min/max on order-preserving
 *     integer keys;</li>
 * <li>x / s as x * (1/s) only where that is exact (power-of-two scales);</li>
 * <li>no clamp for integer groups whose statistics prove every value rounds inside the code range.</li>
 * </ul>
 * Tails shorter than a vector run the scalar reference.
 */
final class VectorQuantKernel implements QuantKernel {

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
    // |x| is ordered like its bit pattern read as an int (NaN patterns above +inf), so maxima of magnitudes run
    // on integer lanes, where max is one instruction (a float max with Java's NaN and -0 rules is several).

    @Override
    public float absMax(float[] a, int off, int len, boolean finiteOnly) {
        IntVector acc = IntVector.zero(I);
        int bound = F.loopBound(len);
        for (int j = 0; j < bound; j += L) {
            acc = acc.max(FloatVector.fromArray(F, a, off + j).reinterpretAsInts().and(0x7FFFFFFF));
        }
        int m = acc.reduceLanes(VectorOperators.MAX);
        if (m >= 0x7F800000 && finiteOnly) {
            // an infinity or NaN in the run (rare): the reference skips them
            return ScalarQuantKernel.INSTANCE.absMax(a, off, len, true);
        }
        float v = m > 0x7F800000 ? Float.NaN : Float.intBitsToFloat(m);
        return Math.max(v, ScalarQuantKernel.INSTANCE.absMax(a, off + bound, len - bound, finiteOnly));
    }

    /** Signed-int key in the order of the float (-0 below +0); its own inverse. */
    private static final int KEY_POS_INF = 0x7F800000;
    private static final int KEY_NEG_INF = 0xFF800000 ^ 0x7FFFFFFF;

    @Override
    public void minMax(float[] a, int off, int len, float[] out) {
        // on order-preserving integer keys min and max are one instruction each, and exact; a run holding an
        // infinity or NaN (key beyond the infinities') is folded again by the scalar reference, which skips them
        IntVector mn = IntVector.broadcast(I, Integer.MAX_VALUE);
        IntVector mx = IntVector.broadcast(I, Integer.MIN_VALUE);
        int bound = F.loopBound(len);
        for (int j = 0; j < bound; j += L) {
            IntVector b = FloatVector.fromArray(F, a, off + j).reinterpretAsInts();
            IntVector k = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).and(0x7FFFFFFF));
            mn = mn.min(k);
            mx = mx.max(k);
        }
        int kmin = mn.reduceLanes(VectorOperators.MIN);
        int kmax = mx.reduceLanes(VectorOperators.MAX);
        if (bound > 0 && (kmin <= KEY_NEG_INF || kmax >= KEY_POS_INF)) {
            ScalarQuantKernel.INSTANCE.minMax(a, off, len, out);
            return;
        }
        if (bound > 0) {
            out[0] = Math.min(out[0], Float.intBitsToFloat(kmin ^ ((kmin >> 31) & 0x7FFFFFFF)));
            out[1] = Math.max(out[1], Float.intBitsToFloat(kmax ^ ((kmax >> 31) & 0x7FFFFFFF)));
        }
        ScalarQuantKernel.INSTANCE.minMax(a, off + bound, len - bound, out);
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
            mm[0] = INF;
            mm[1] = -INF;
            minMax(a, off + j, Math.min(group, len - j), mm);
            mins[outOff + b] = mm[0];
            maxs[outOff + b] = mm[1];
        }
    }

    @Override
    public void absMaxLanes(float[] a, int off, int len, float[] acc, int accOff, boolean finiteOnly) {
        int bound = F.loopBound(len);
        if (finiteOnly) {
            for (int j = 0; j < bound; j += L) {
                IntVector m = FloatVector.fromArray(F, a, off + j).reinterpretAsInts().and(0x7FFFFFFF);
                m = m.blend(0, m.compare(VectorOperators.GE, 0x7F800000));
                FloatVector.fromArray(F, acc, accOff + j).reinterpretAsInts().max(m).reinterpretAsFloats()
                        .intoArray(acc, accOff + j);
            }
        } else {
            for (int j = 0; j < bound; j += L) {
                IntVector m = FloatVector.fromArray(F, a, off + j).reinterpretAsInts().and(0x7FFFFFFF);
                FloatVector.fromArray(F, acc, accOff + j).reinterpretAsInts().max(m).reinterpretAsFloats()
                        .intoArray(acc, accOff + j);
            }
        }
        ScalarQuantKernel.INSTANCE.absMaxLanes(a, off + bound, len - bound, acc, accOff + bound, finiteOnly);
    }

    @Override
    public void minMaxLanes(float[] a, int off, int len, float[] mins, float[] maxs, int accOff) {
        int bound = F.loopBound(len);
        for (int j = 0; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, a, off + j);
            VectorMask<Float> finite = v.abs().compare(VectorOperators.LT, INF);
            FloatVector mn = FloatVector.fromArray(F, mins, accOff + j);
            FloatVector mx = FloatVector.fromArray(F, maxs, accOff + j);
            mn.blend(v, v.compare(VectorOperators.LT, mn).and(finite)).intoArray(mins, accOff + j);
            mx.blend(v, v.compare(VectorOperators.GT, mx).and(finite)).intoArray(maxs, accOff + j);
        }
        ScalarQuantKernel.INSTANCE.minMaxLanes(a, off + bound, len - bound, mins, maxs, accOff + bound);
    }

    // ---------------------------------------------------------------- quantization
    //
    // One loop per (element kind, rounding, scale source), with the per-vector work written inside the loop:
    // vectors that cross a call the JIT declines to inline get boxed, which costs 10-100x.

    @Override
    public void quantize(ElementOp op, float[] a, int off, int len, float s, float z, int index) {
        run(op, a, off, len, s, z, index, false);
    }

    @Override
    public void quantizeGroups(ElementOp op, float[] a, int off, int len, int group, float[] s, float[] z, int sOff,
                               int index, boolean[] inRange) {
        for (int b = 0, j = 0; j < len; b++, j += group) {
            run(op, a, off + j, Math.min(group, len - j), s[sOff + b], z == null ? 0f : z[sOff + b], index + j,
                    inRange != null && inRange[b]);
        }
    }

    /** One run with one scale: the loop for the op, then the scalar reference for the tail. */
    private static void run(ElementOp op, float[] a, int off, int len, float s, float z, int index,
                            boolean inRange) {
        int bound = F.loopBound(len);
        // a power-of-two scale with a finite reciprocal: x * (1/s) is exactly x / s, and cheaper
        boolean reciprocal = op.powerOfTwoScales && !op.stochastic && !(s < 0x1p-127f);
        if (op.kind == ElementOp.INT) {
            if (op.stochastic) {
                intStochastic(op, a, off, bound, s, op.qmin - z, op.qmax - z, index);
            } else if (reciprocal) {
                intNearestReciprocal(a, off, bound, s, 1f / s, op.qmin - z, op.qmax - z);
            } else if (inRange) {
                intNearestInRange(a, off, bound, s);
            } else {
                intNearest(a, off, bound, s, op.qmin - z, op.qmax - z);
            }
        } else if (op.kind == ElementOp.FLOAT) {
            // an unscaled cast divides and multiplies by 1, which changes no bits
            float sc = op.scaled ? s : 1f;
            if (op.stochastic) {
                floatStochastic(op, a, off, bound, sc, index);
            } else if (reciprocal) {
                floatNearestReciprocal(op, a, off, bound, sc, 1f / sc);
            } else {
                floatNearest(op, a, off, bound, sc);
            }
        } else if (op.levels.length == 16) {
            if (op.stochastic) {
                tableStochastic(op, a, off, bound, s, index);
            } else {
                tableNearest(op, a, off, bound, s);
            }
        } else {
            bound = 0;
        }
        ScalarQuantKernel.INSTANCE.quantize(op, a, off + bound, len - bound, s, z, index + bound);
    }

    @Override
    public void quantizeLanes(ElementOp op, float[] a, int off, int len, float[] s, float[] z, int sOff, int index) {
        int bound = F.loopBound(len);
        if (op.kind == ElementOp.INT) {
            if (op.stochastic) {
                if (z == null) {
                    intStochasticLanes(op, a, off, bound, s, sOff, index);
                } else {
                    intStochasticLanesZ(op, a, off, bound, s, z, sOff, index);
                }
            } else if (z == null) {
                intNearestLanes(op, a, off, bound, s, sOff);
            } else {
                intNearestLanesZ(op, a, off, bound, s, z, sOff);
            }
        } else if (op.kind == ElementOp.FLOAT && op.scaled) {
            if (op.stochastic) {
                floatStochasticLanes(op, a, off, bound, s, sOff, index);
            } else {
                floatNearestLanes(op, a, off, bound, s, sOff);
            }
        } else if (op.kind == ElementOp.TABLE && op.levels.length == 16) {
            if (op.stochastic) {
                tableStochasticLanes(op, a, off, bound, s, sOff, index);
            } else {
                tableNearestLanes(op, a, off, bound, s, sOff);
            }
        } else {
            bound = 0;
        }
        ScalarQuantKernel.INSTANCE.quantizeLanes(op, a, off + bound, len - bound, s, z, sOff + bound, index + bound);
    }

    // ---------------------------------------------------------------- INT: rint(clamp(x / s, lo, hi)) * s
    // the magic-number rint never yields -0, like the reference's r + 0f. Clamps are compare-and-blend (NaN
    // passes through as with Math.min/max; a -0 that Math.max would turn into +0 ends as +0 after rint/floor).

    private static void intNearest(float[] a, int off, int bound, float s, float lo, float hi) {
        FloatVector sv = FloatVector.broadcast(F, s);
        FloatVector lov = FloatVector.broadcast(F, lo);
        FloatVector hiv = FloatVector.broadcast(F, hi);
        for (int j = 0; j < bound; j += L) {
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            y = y.blend(lov, y.compare(VectorOperators.LT, lov));
            y = y.blend(hiv, y.compare(VectorOperators.GT, hiv));
            y.add(MAGIC).sub(MAGIC).mul(sv).intoArray(a, off + j);
        }
    }

    /** Every x / s of the run rounds inside [lo, hi] (the caller checked its statistics): no clamp. */
    private static void intNearestInRange(float[] a, int off, int bound, float s) {
        FloatVector sv = FloatVector.broadcast(F, s);
        for (int j = 0; j < bound; j += L) {
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            y.add(MAGIC).sub(MAGIC).mul(sv).intoArray(a, off + j);
        }
    }

    private static void intNearestReciprocal(float[] a, int off, int bound, float s, float inv, float lo,
                                             float hi) {
        FloatVector sv = FloatVector.broadcast(F, s);
        FloatVector iv = FloatVector.broadcast(F, inv);
        FloatVector lov = FloatVector.broadcast(F, lo);
        FloatVector hiv = FloatVector.broadcast(F, hi);
        for (int j = 0; j < bound; j += L) {
            FloatVector y = FloatVector.fromArray(F, a, off + j).mul(iv);
            y = y.blend(lov, y.compare(VectorOperators.LT, lov));
            y = y.blend(hiv, y.compare(VectorOperators.GT, hiv));
            y.add(MAGIC).sub(MAGIC).mul(sv).intoArray(a, off + j);
        }
    }

    private static void intNearestLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff) {
        FloatVector lov = FloatVector.broadcast(F, op.qmin);
        FloatVector hiv = FloatVector.broadcast(F, op.qmax);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            y = y.blend(lov, y.compare(VectorOperators.LT, lov));
            y = y.blend(hiv, y.compare(VectorOperators.GT, hiv));
            y.add(MAGIC).sub(MAGIC).mul(sv).intoArray(a, off + j);
        }
    }

    private static void intNearestLanesZ(ElementOp op, float[] a, int off, int bound, float[] s, float[] z,
                                         int sOff) {
        FloatVector qmin = FloatVector.broadcast(F, op.qmin);
        FloatVector qmax = FloatVector.broadcast(F, op.qmax);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            FloatVector zv = FloatVector.fromArray(F, z, sOff + j);
            FloatVector lov = qmin.sub(zv);
            FloatVector hiv = qmax.sub(zv);
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            y = y.blend(lov, y.compare(VectorOperators.LT, lov));
            y = y.blend(hiv, y.compare(VectorOperators.GT, hiv));
            y.add(MAGIC).sub(MAGIC).mul(sv).intoArray(a, off + j);
        }
    }

    // stochastic: floor(clamp(x / s + u, lo, hi)) * s, floor as trunc - (trunc > t), NaN kept

    private static void intStochastic(ElementOp op, float[] a, int off, int bound, float s, float lo, float hi,
                                      int index) {
        FloatVector sv = FloatVector.broadcast(F, s);
        FloatVector lov = FloatVector.broadcast(F, lo);
        FloatVector hiv = FloatVector.broadcast(F, hi);
        FloatVector one = FloatVector.broadcast(F, 1f);
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            FloatVector t = FloatVector.fromArray(F, a, off + j).div(sv).add(u);
            t = t.blend(lov, t.compare(VectorOperators.LT, lov));
            t = t.blend(hiv, t.compare(VectorOperators.GT, hiv));
            FloatVector tr = (FloatVector) ((IntVector) t.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0);
            FloatVector fl = tr.sub(one, tr.compare(VectorOperators.GT, t)).blend(t, t.test(VectorOperators.IS_NAN));
            fl.mul(sv).intoArray(a, off + j);
        }
    }

    private static void intStochasticLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff,
                                           int index) {
        FloatVector lov = FloatVector.broadcast(F, op.qmin);
        FloatVector hiv = FloatVector.broadcast(F, op.qmax);
        FloatVector one = FloatVector.broadcast(F, 1f);
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            FloatVector t = FloatVector.fromArray(F, a, off + j).div(sv).add(u);
            t = t.blend(lov, t.compare(VectorOperators.LT, lov));
            t = t.blend(hiv, t.compare(VectorOperators.GT, hiv));
            FloatVector tr = (FloatVector) ((IntVector) t.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0);
            FloatVector fl = tr.sub(one, tr.compare(VectorOperators.GT, t)).blend(t, t.test(VectorOperators.IS_NAN));
            fl.mul(sv).intoArray(a, off + j);
        }
    }

    private static void intStochasticLanesZ(ElementOp op, float[] a, int off, int bound, float[] s, float[] z,
                                            int sOff, int index) {
        FloatVector qmin = FloatVector.broadcast(F, op.qmin);
        FloatVector qmax = FloatVector.broadcast(F, op.qmax);
        FloatVector one = FloatVector.broadcast(F, 1f);
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            FloatVector zv = FloatVector.fromArray(F, z, sOff + j);
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            FloatVector lov = qmin.sub(zv);
            FloatVector hiv = qmax.sub(zv);
            FloatVector t = FloatVector.fromArray(F, a, off + j).div(sv).add(u);
            t = t.blend(lov, t.compare(VectorOperators.LT, lov));
            t = t.blend(hiv, t.compare(VectorOperators.GT, hiv));
            FloatVector tr = (FloatVector) ((IntVector) t.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0);
            FloatVector fl = tr.sub(one, tr.compare(VectorOperators.GT, t)).blend(t, t.test(VectorOperators.IS_NAN));
            fl.mul(sv).intoArray(a, off + j);
        }
    }

    // ---------------------------------------------------------------- FLOAT: small-float rounding of x / s

    private static void floatNearest(ElementOp op, float[] a, int off, int bound, float s) {
        FloatVector sv = FloatVector.broadcast(F, s);
        int notLow = ~op.lowMask;
        int half = op.halfMinus1;
        int shift = op.shift;
        int minNormal = op.minNormalBits;
        int inRange = op.roundsInRangeBits;
        int overflow = op.overflowBits;
        boolean overflowNaN = op.overflowIsNaN;
        boolean binade = op.binadeMagic;
        int eminBiased = (minNormal >>> 23);
        int magicShift = 23 - op.type.mantissaBits();
        float magic = op.subMagic;
        for (int j = 0; j < bound; j += L) {
            IntVector bits = FloatVector.fromArray(F, a, off + j).div(sv).reinterpretAsInts();
            IntVector sign = bits.and(0x80000000);
            IntVector m = bits.and(0x7FFFFFFF);
            IntVector r;
            if (binade) {
                // add and subtract 2^(max(e, emin) - m + 23): the FPU rounds to the binade's quantum
                FloatVector c = m.lanewise(VectorOperators.LSHR, 23).max(eminBiased).add(magicShift)
                        .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                r = m.reinterpretAsFloats().add(c).sub(c).reinterpretAsInts();
            } else {
                IntVector rn = m.add(m.lanewise(VectorOperators.LSHR, shift).and(1)).add(half).and(notLow);
                IntVector rs = m.reinterpretAsFloats().add(magic).sub(magic).reinterpretAsInts();
                r = rs.blend(rn, m.compare(VectorOperators.GE, minNormal));
            }
            r = r.or(sign);
            VectorMask<Integer> special = m.compare(VectorOperators.GT, inRange);
            if (special.anyTrue()) {
                // overflow (saturate, infinity or NaN by the type) and NaN inputs: rare, off the main path
                r = r.blend(sign.or(overflow), special);
                VectorMask<Integer> nan = m.compare(VectorOperators.GT, 0x7F800000);
                if (overflowNaN) {
                    nan = nan.or(special);
                }
                r = r.blend(NAN_BITS, nan);
            }
            r.reinterpretAsFloats().mul(sv).intoArray(a, off + j);
        }
    }

    private static void floatNearestReciprocal(ElementOp op, float[] a, int off, int bound, float s, float inv) {
        FloatVector sv = FloatVector.broadcast(F, s);
        FloatVector iv = FloatVector.broadcast(F, inv);
        int notLow = ~op.lowMask;
        int half = op.halfMinus1;
        int shift = op.shift;
        int minNormal = op.minNormalBits;
        int inRange = op.roundsInRangeBits;
        int overflow = op.overflowBits;
        boolean overflowNaN = op.overflowIsNaN;
        boolean binade = op.binadeMagic;
        int eminBiased = (minNormal >>> 23);
        int magicShift = 23 - op.type.mantissaBits();
        float magic = op.subMagic;
        for (int j = 0; j < bound; j += L) {
            IntVector bits = FloatVector.fromArray(F, a, off + j).mul(iv).reinterpretAsInts();
            IntVector sign = bits.and(0x80000000);
            IntVector m = bits.and(0x7FFFFFFF);
            IntVector r;
            if (binade) {
                // add and subtract 2^(max(e, emin) - m + 23): the FPU rounds to the binade's quantum
                FloatVector c = m.lanewise(VectorOperators.LSHR, 23).max(eminBiased).add(magicShift)
                        .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                r = m.reinterpretAsFloats().add(c).sub(c).reinterpretAsInts();
            } else {
                IntVector rn = m.add(m.lanewise(VectorOperators.LSHR, shift).and(1)).add(half).and(notLow);
                IntVector rs = m.reinterpretAsFloats().add(magic).sub(magic).reinterpretAsInts();
                r = rs.blend(rn, m.compare(VectorOperators.GE, minNormal));
            }
            r = r.or(sign);
            VectorMask<Integer> special = m.compare(VectorOperators.GT, inRange);
            if (special.anyTrue()) {
                // overflow (saturate, infinity or NaN by the type) and NaN inputs: rare, off the main path
                r = r.blend(sign.or(overflow), special);
                VectorMask<Integer> nan = m.compare(VectorOperators.GT, 0x7F800000);
                if (overflowNaN) {
                    nan = nan.or(special);
                }
                r = r.blend(NAN_BITS, nan);
            }
            r.reinterpretAsFloats().mul(sv).intoArray(a, off + j);
        }
    }

    private static void floatNearestLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff) {
        int notLow = ~op.lowMask;
        int half = op.halfMinus1;
        int shift = op.shift;
        int minNormal = op.minNormalBits;
        int inRange = op.roundsInRangeBits;
        int overflow = op.overflowBits;
        boolean overflowNaN = op.overflowIsNaN;
        boolean binade = op.binadeMagic;
        int eminBiased = (minNormal >>> 23);
        int magicShift = 23 - op.type.mantissaBits();
        float magic = op.subMagic;
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            IntVector bits = FloatVector.fromArray(F, a, off + j).div(sv).reinterpretAsInts();
            IntVector sign = bits.and(0x80000000);
            IntVector m = bits.and(0x7FFFFFFF);
            IntVector r;
            if (binade) {
                // add and subtract 2^(max(e, emin) - m + 23): the FPU rounds to the binade's quantum
                FloatVector c = m.lanewise(VectorOperators.LSHR, 23).max(eminBiased).add(magicShift)
                        .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                r = m.reinterpretAsFloats().add(c).sub(c).reinterpretAsInts();
            } else {
                IntVector rn = m.add(m.lanewise(VectorOperators.LSHR, shift).and(1)).add(half).and(notLow);
                IntVector rs = m.reinterpretAsFloats().add(magic).sub(magic).reinterpretAsInts();
                r = rs.blend(rn, m.compare(VectorOperators.GE, minNormal));
            }
            r = r.or(sign);
            VectorMask<Integer> special = m.compare(VectorOperators.GT, inRange);
            if (special.anyTrue()) {
                // overflow (saturate, infinity or NaN by the type) and NaN inputs: rare, off the main path
                r = r.blend(sign.or(overflow), special);
                VectorMask<Integer> nan = m.compare(VectorOperators.GT, 0x7F800000);
                if (overflowNaN) {
                    nan = nan.or(special);
                }
                r = r.blend(NAN_BITS, nan);
            }
            r.reinterpretAsFloats().mul(sv).intoArray(a, off + j);
        }
    }

    private static void floatStochastic(ElementOp op, float[] a, int off, int bound, float s, int index) {
        FloatVector sv = FloatVector.broadcast(F, s);
        int lowMask = op.lowMask;
        int minNormal = op.minNormalBits;
        int maxBits = op.maxBits;
        int overflow = op.overflowBits;
        boolean overflowNaN = op.overflowIsNaN;
        float q = op.subQuantum;
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            IntVector bits = FloatVector.fromArray(F, a, off + j).div(sv).reinterpretAsInts();
            IntVector sign = bits.and(0x80000000);
            IntVector m = bits.and(0x7FFFFFFF);
            IntVector rn = m.add(h.and(lowMask)).and(~lowMask);
            FloatVector tq = m.reinterpretAsFloats().add(u.mul(q)).div(q);
            IntVector rs = ((FloatVector) ((IntVector) tq.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0)).mul(q).reinterpretAsInts();
            IntVector r = rs.blend(rn, m.compare(VectorOperators.GE, minNormal));
            VectorMask<Integer> over = m.compare(VectorOperators.GT, maxBits)
                    .or(r.compare(VectorOperators.GT, maxBits));
            VectorMask<Integer> nan = m.compare(VectorOperators.GT, 0x7F800000);
            if (overflowNaN) {
                nan = nan.or(over);
            }
            r = r.blend(overflow, over).or(sign).blend(NAN_BITS, nan);
            r.reinterpretAsFloats().mul(sv).intoArray(a, off + j);
        }
    }

    private static void floatStochasticLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff,
                                             int index) {
        int lowMask = op.lowMask;
        int minNormal = op.minNormalBits;
        int maxBits = op.maxBits;
        int overflow = op.overflowBits;
        boolean overflowNaN = op.overflowIsNaN;
        float q = op.subQuantum;
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            IntVector bits = FloatVector.fromArray(F, a, off + j).div(sv).reinterpretAsInts();
            IntVector sign = bits.and(0x80000000);
            IntVector m = bits.and(0x7FFFFFFF);
            IntVector rn = m.add(h.and(lowMask)).and(~lowMask);
            FloatVector tq = m.reinterpretAsFloats().add(u.mul(q)).div(q);
            IntVector rs = ((FloatVector) ((IntVector) tq.convert(VectorOperators.F2I, 0))
                    .convert(VectorOperators.I2F, 0)).mul(q).reinterpretAsInts();
            IntVector r = rs.blend(rn, m.compare(VectorOperators.GE, minNormal));
            VectorMask<Integer> over = m.compare(VectorOperators.GT, maxBits)
                    .or(r.compare(VectorOperators.GT, maxBits));
            VectorMask<Integer> nan = m.compare(VectorOperators.GT, 0x7F800000);
            if (overflowNaN) {
                nan = nan.or(over);
            }
            r = r.blend(overflow, over).or(sign).blend(NAN_BITS, nan);
            r.reinterpretAsFloats().mul(sv).intoArray(a, off + j);
        }
    }

    // ---------------------------------------------------------------- TABLE (16 levels, NF4)
    // nearest: the level after the last threshold passed (ties to the even code); the 15 steps are written out
    // so that no vector is carried through a loop the JIT might not unroll (the loop form of the stochastic
    // variant measured 1.9 vs 2.4 GB/s on JDK 25)

    private static void tableNearest(ElementOp op, float[] a, int off, int bound, float s) {
        float[] lv = op.levels;
        float[] th = op.thresholds;
        boolean[] up = op.tieUp;
        FloatVector sv = FloatVector.broadcast(F, s);
        for (int j = 0; j < bound; j += L) {
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            FloatVector v = FloatVector.broadcast(F, lv[0]);
            v = v.blend(lv[1], up[0] ? y.compare(VectorOperators.GE, th[0]) : y.compare(VectorOperators.GT, th[0]));
            v = v.blend(lv[2], up[1] ? y.compare(VectorOperators.GE, th[1]) : y.compare(VectorOperators.GT, th[1]));
            v = v.blend(lv[3], up[2] ? y.compare(VectorOperators.GE, th[2]) : y.compare(VectorOperators.GT, th[2]));
            v = v.blend(lv[4], up[3] ? y.compare(VectorOperators.GE, th[3]) : y.compare(VectorOperators.GT, th[3]));
            v = v.blend(lv[5], up[4] ? y.compare(VectorOperators.GE, th[4]) : y.compare(VectorOperators.GT, th[4]));
            v = v.blend(lv[6], up[5] ? y.compare(VectorOperators.GE, th[5]) : y.compare(VectorOperators.GT, th[5]));
            v = v.blend(lv[7], up[6] ? y.compare(VectorOperators.GE, th[6]) : y.compare(VectorOperators.GT, th[6]));
            v = v.blend(lv[8], up[7] ? y.compare(VectorOperators.GE, th[7]) : y.compare(VectorOperators.GT, th[7]));
            v = v.blend(lv[9], up[8] ? y.compare(VectorOperators.GE, th[8]) : y.compare(VectorOperators.GT, th[8]));
            v = v.blend(lv[10], up[9] ? y.compare(VectorOperators.GE, th[9]) : y.compare(VectorOperators.GT, th[9]));
            v = v.blend(lv[11], up[10] ? y.compare(VectorOperators.GE, th[10]) : y.compare(VectorOperators.GT, th[10]));
            v = v.blend(lv[12], up[11] ? y.compare(VectorOperators.GE, th[11]) : y.compare(VectorOperators.GT, th[11]));
            v = v.blend(lv[13], up[12] ? y.compare(VectorOperators.GE, th[12]) : y.compare(VectorOperators.GT, th[12]));
            v = v.blend(lv[14], up[13] ? y.compare(VectorOperators.GE, th[13]) : y.compare(VectorOperators.GT, th[13]));
            v = v.blend(lv[15], up[14] ? y.compare(VectorOperators.GE, th[14]) : y.compare(VectorOperators.GT, th[14]));
            v.blend(Float.NaN, y.test(VectorOperators.IS_NAN)).mul(sv).intoArray(a, off + j);
        }
    }

    private static void tableNearestLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff) {
        float[] lv = op.levels;
        float[] th = op.thresholds;
        boolean[] up = op.tieUp;
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            FloatVector v = FloatVector.broadcast(F, lv[0]);
            v = v.blend(lv[1], up[0] ? y.compare(VectorOperators.GE, th[0]) : y.compare(VectorOperators.GT, th[0]));
            v = v.blend(lv[2], up[1] ? y.compare(VectorOperators.GE, th[1]) : y.compare(VectorOperators.GT, th[1]));
            v = v.blend(lv[3], up[2] ? y.compare(VectorOperators.GE, th[2]) : y.compare(VectorOperators.GT, th[2]));
            v = v.blend(lv[4], up[3] ? y.compare(VectorOperators.GE, th[3]) : y.compare(VectorOperators.GT, th[3]));
            v = v.blend(lv[5], up[4] ? y.compare(VectorOperators.GE, th[4]) : y.compare(VectorOperators.GT, th[4]));
            v = v.blend(lv[6], up[5] ? y.compare(VectorOperators.GE, th[5]) : y.compare(VectorOperators.GT, th[5]));
            v = v.blend(lv[7], up[6] ? y.compare(VectorOperators.GE, th[6]) : y.compare(VectorOperators.GT, th[6]));
            v = v.blend(lv[8], up[7] ? y.compare(VectorOperators.GE, th[7]) : y.compare(VectorOperators.GT, th[7]));
            v = v.blend(lv[9], up[8] ? y.compare(VectorOperators.GE, th[8]) : y.compare(VectorOperators.GT, th[8]));
            v = v.blend(lv[10], up[9] ? y.compare(VectorOperators.GE, th[9]) : y.compare(VectorOperators.GT, th[9]));
            v = v.blend(lv[11], up[10] ? y.compare(VectorOperators.GE, th[10]) : y.compare(VectorOperators.GT, th[10]));
            v = v.blend(lv[12], up[11] ? y.compare(VectorOperators.GE, th[11]) : y.compare(VectorOperators.GT, th[11]));
            v = v.blend(lv[13], up[12] ? y.compare(VectorOperators.GE, th[12]) : y.compare(VectorOperators.GT, th[12]));
            v = v.blend(lv[14], up[13] ? y.compare(VectorOperators.GE, th[13]) : y.compare(VectorOperators.GT, th[13]));
            v = v.blend(lv[15], up[14] ? y.compare(VectorOperators.GE, th[14]) : y.compare(VectorOperators.GT, th[14]));
            v.blend(Float.NaN, y.test(VectorOperators.IS_NAN)).mul(sv).intoArray(a, off + j);
        }
    }

    private static void tableStochastic(ElementOp op, float[] a, int off, int bound, float s, int index) {
        float[] lv = op.levels;
        FloatVector sv = FloatVector.broadcast(F, s);
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            FloatVector yc = y.blend(lv[0], y.compare(VectorOperators.LT, lv[0]));
            yc = yc.blend(lv[15], yc.compare(VectorOperators.GT, lv[15]));
            FloatVector lo = FloatVector.broadcast(F, lv[0]);
            FloatVector hi = FloatVector.broadcast(F, lv[1]);
            VectorMask<Float> m;
            m = yc.compare(VectorOperators.GE, lv[1]);
            lo = lo.blend(lv[1], m);
            hi = hi.blend(lv[2], m);
            m = yc.compare(VectorOperators.GE, lv[2]);
            lo = lo.blend(lv[2], m);
            hi = hi.blend(lv[3], m);
            m = yc.compare(VectorOperators.GE, lv[3]);
            lo = lo.blend(lv[3], m);
            hi = hi.blend(lv[4], m);
            m = yc.compare(VectorOperators.GE, lv[4]);
            lo = lo.blend(lv[4], m);
            hi = hi.blend(lv[5], m);
            m = yc.compare(VectorOperators.GE, lv[5]);
            lo = lo.blend(lv[5], m);
            hi = hi.blend(lv[6], m);
            m = yc.compare(VectorOperators.GE, lv[6]);
            lo = lo.blend(lv[6], m);
            hi = hi.blend(lv[7], m);
            m = yc.compare(VectorOperators.GE, lv[7]);
            lo = lo.blend(lv[7], m);
            hi = hi.blend(lv[8], m);
            m = yc.compare(VectorOperators.GE, lv[8]);
            lo = lo.blend(lv[8], m);
            hi = hi.blend(lv[9], m);
            m = yc.compare(VectorOperators.GE, lv[9]);
            lo = lo.blend(lv[9], m);
            hi = hi.blend(lv[10], m);
            m = yc.compare(VectorOperators.GE, lv[10]);
            lo = lo.blend(lv[10], m);
            hi = hi.blend(lv[11], m);
            m = yc.compare(VectorOperators.GE, lv[11]);
            lo = lo.blend(lv[11], m);
            hi = hi.blend(lv[12], m);
            m = yc.compare(VectorOperators.GE, lv[12]);
            lo = lo.blend(lv[12], m);
            hi = hi.blend(lv[13], m);
            m = yc.compare(VectorOperators.GE, lv[13]);
            lo = lo.blend(lv[13], m);
            hi = hi.blend(lv[14], m);
            m = yc.compare(VectorOperators.GE, lv[14]);
            lo = lo.blend(lv[14], m);
            hi = hi.blend(lv[15], m);
            FloatVector p = yc.sub(lo).div(hi.sub(lo));
            lo.blend(hi, u.compare(VectorOperators.LT, p)).blend(Float.NaN, y.test(VectorOperators.IS_NAN))
                    .mul(sv).intoArray(a, off + j);
        }
    }

    private static void tableStochasticLanes(ElementOp op, float[] a, int off, int bound, float[] s, int sOff,
                                             int index) {
        float[] lv = op.levels;
        IntVector iota = IntVector.zero(I).addIndex(1);
        for (int j = 0; j < bound; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, sOff + j);
            IntVector h = iota.add(index + j).lanewise(VectorOperators.XOR, op.key1);
            h = mixRound(mixRound(h).add(op.key2));
            FloatVector u = ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1p-24f);
            FloatVector y = FloatVector.fromArray(F, a, off + j).div(sv);
            FloatVector yc = y.blend(lv[0], y.compare(VectorOperators.LT, lv[0]));
            yc = yc.blend(lv[15], yc.compare(VectorOperators.GT, lv[15]));
            FloatVector lo = FloatVector.broadcast(F, lv[0]);
            FloatVector hi = FloatVector.broadcast(F, lv[1]);
            VectorMask<Float> m;
            m = yc.compare(VectorOperators.GE, lv[1]);
            lo = lo.blend(lv[1], m);
            hi = hi.blend(lv[2], m);
            m = yc.compare(VectorOperators.GE, lv[2]);
            lo = lo.blend(lv[2], m);
            hi = hi.blend(lv[3], m);
            m = yc.compare(VectorOperators.GE, lv[3]);
            lo = lo.blend(lv[3], m);
            hi = hi.blend(lv[4], m);
            m = yc.compare(VectorOperators.GE, lv[4]);
            lo = lo.blend(lv[4], m);
            hi = hi.blend(lv[5], m);
            m = yc.compare(VectorOperators.GE, lv[5]);
            lo = lo.blend(lv[5], m);
            hi = hi.blend(lv[6], m);
            m = yc.compare(VectorOperators.GE, lv[6]);
            lo = lo.blend(lv[6], m);
            hi = hi.blend(lv[7], m);
            m = yc.compare(VectorOperators.GE, lv[7]);
            lo = lo.blend(lv[7], m);
            hi = hi.blend(lv[8], m);
            m = yc.compare(VectorOperators.GE, lv[8]);
            lo = lo.blend(lv[8], m);
            hi = hi.blend(lv[9], m);
            m = yc.compare(VectorOperators.GE, lv[9]);
            lo = lo.blend(lv[9], m);
            hi = hi.blend(lv[10], m);
            m = yc.compare(VectorOperators.GE, lv[10]);
            lo = lo.blend(lv[10], m);
            hi = hi.blend(lv[11], m);
            m = yc.compare(VectorOperators.GE, lv[11]);
            lo = lo.blend(lv[11], m);
            hi = hi.blend(lv[12], m);
            m = yc.compare(VectorOperators.GE, lv[12]);
            lo = lo.blend(lv[12], m);
            hi = hi.blend(lv[13], m);
            m = yc.compare(VectorOperators.GE, lv[13]);
            lo = lo.blend(lv[13], m);
            hi = hi.blend(lv[14], m);
            m = yc.compare(VectorOperators.GE, lv[14]);
            lo = lo.blend(lv[14], m);
            hi = hi.blend(lv[15], m);
            FloatVector p = yc.sub(lo).div(hi.sub(lo));
            lo.blend(hi, u.compare(VectorOperators.LT, p)).blend(Float.NaN, y.test(VectorOperators.IS_NAN))
                    .mul(sv).intoArray(a, off + j);
        }
    }

    // ---------------------------------------------------------------- random bits (same as Rng.mix)

    private static IntVector mixRound(IntVector x) {
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
    }
}
