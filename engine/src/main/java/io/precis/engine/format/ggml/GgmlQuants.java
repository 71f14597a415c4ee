package io.precis.engine.format.ggml;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Dequantization and reference quantization of ggml blocks, written from the definitions in llama.cpp's
 * ggml-quants.c ({@code dequantize_row_*}, {@code quantize_row_*_ref}) so that codes and values agree bit for bit:
 * the same float32 operations in the same order, fp16 scales rounded to nearest even, {@code nearest_int} as
 * ggml's magic-number rounding (ties to even), {@code roundf} ties away from zero, C's truncating casts.
 *
 * <p>Buffers are read and written at absolute positions from {@code at}, little-endian whatever their order.
 * Element counts must be multiples of the type's block size.
 */
public final class GgmlQuants {
    private static final int QK_K = 256;
    private static final float GROUP_MAX_EPS = 1e-15f;

    private GgmlQuants() {}

    // ================================================================ dequantize

    /** Decodes {@code n} elements of type {@code t} stored from byte {@code at} of {@code src} into {@code dst[off..]}. */
    public static void dequantize(GgmlType t, ByteBuffer src, long at, float[] dst, int off, int n) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int nb = n / t.blockSize();
        if ((long) nb * t.blockSize() != n) throw new IllegalArgumentException(t + ": " + n + " elements is not a multiple of " + t.blockSize());
        int p = Math.toIntExact(at);
        for (int i = 0; i < nb; i++, p += t.blockBytes(), off += t.blockSize()) {
            switch (t) {
                case F32 -> dst[off] = b.getFloat(p);
                case F16 -> dst[off] = Float.float16ToFloat(b.getShort(p));
                case BF16 -> dst[off] = Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
                case Q4_0 -> dq40(b, p, dst, off);
                case Q4_1 -> dq41(b, p, dst, off);
                case Q5_0 -> dq50(b, p, dst, off);
                case Q5_1 -> dq51(b, p, dst, off);
                case Q8_0 -> dq80(b, p, dst, off);
                case Q2_K -> dq2k(b, p, dst, off);
                case Q3_K -> dq3k(b, p, dst, off);
                case Q4_K -> dq4k(b, p, dst, off);
                case Q5_K -> dq5k(b, p, dst, off);
                case Q6_K -> dq6k(b, p, dst, off);
            }
        }
    }

    private static float h(ByteBuffer b, int p) {
        return Float.float16ToFloat(b.getShort(p));
    }

    private static int u8(ByteBuffer b, int p) {
        return b.get(p) & 0xff;
    }

    private static void dq40(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, p + 2 + j);
            y[o + j] = ((q & 0x0F) - 8) * d;
            y[o + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    private static void dq41(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p), m = h(b, p + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, p + 4 + j);
            y[o + j] = (q & 0x0F) * d + m;
            y[o + j + 16] = (q >> 4) * d + m;
        }
    }

    private static void dq50(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p);
        int qh = b.getInt(p + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, p + 6 + j);
            int xh0 = ((qh >>> j) << 4) & 0x10, xh1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = (((q & 0x0F) | xh0) - 16) * d;
            y[o + j + 16] = (((q >> 4) | xh1) - 16) * d;
        }
    }

    private static void dq51(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p), m = h(b, p + 2);
        int qh = b.getInt(p + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(b, p + 8 + j);
            int xh0 = ((qh >>> j) << 4) & 0x10, xh1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = ((q & 0x0F) | xh0) * d + m;
            y[o + j + 16] = ((q >> 4) | xh1) * d + m;
        }
    }

    private static void dq80(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p);
        for (int j = 0; j < 32; j++) y[o + j] = b.get(p + 2 + j) * d;
    }

    // Q2_K: scales[16] | qs[64] | d | dmin
    private static void dq2k(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p + 80), min = h(b, p + 82);
        int q = p + 16, is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                int sc = u8(b, p + is++);
                float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) y[o++] = dl * ((u8(b, q + l) >> shift) & 3) - ml;
                sc = u8(b, p + is++);
                dl = d * (sc & 0xF);
                ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) y[o++] = dl * ((u8(b, q + l + 16) >> shift) & 3) - ml;
                shift += 2;
            }
            q += 32;
        }
    }

    /** The 6-bit signed scale j (0..15) of a Q3_K block whose 12 scale bytes start at {@code s}. */
    private static int q3Scale(ByteBuffer b, int s, int j) {
        int low = j < 8 ? u8(b, s + j) & 0xF : u8(b, s + j - 8) >> 4;
        int high = (u8(b, s + 8 + j % 4) >> (2 * (j / 4))) & 3;
        return (low | (high << 4)) - 32;
    }

    // Q3_K: hmask[32] | qs[64] | scales[12] | d
    private static void dq3k(ByteBuffer b, int p, float[] y, int o) {
        float dAll = h(b, p + 108);
        int q = p + 32, hm = p, is = 0, m = 1;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                float dl = dAll * q3Scale(b, p + 96, is++);
                for (int l = 0; l < 16; l++)
                    y[o++] = dl * (((u8(b, q + l) >> shift) & 3) - ((u8(b, hm + l) & m) != 0 ? 0 : 4));
                dl = dAll * q3Scale(b, p + 96, is++);
                for (int l = 0; l < 16; l++)
                    y[o++] = dl * (((u8(b, q + l + 16) >> shift) & 3) - ((u8(b, hm + l + 16) & m) != 0 ? 0 : 4));
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /** Scale (index 0) and min (index 1) of sub-block j of a Q4_K/Q5_K block's 12 scale bytes at {@code s}. */
    private static int scaleK4(ByteBuffer b, int s, int j) {
        return j < 4 ? u8(b, s + j) & 63 : (u8(b, s + j + 4) & 0xF) | ((u8(b, s + j - 4) >> 6) << 4);
    }

    private static int minK4(ByteBuffer b, int s, int j) {
        return j < 4 ? u8(b, s + j + 4) & 63 : (u8(b, s + j + 4) >> 4) | ((u8(b, s + j) >> 6) << 4);
    }

    // Q4_K: d | dmin | scales[12] | qs[128]
    private static void dq4k(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p), min = h(b, p + 2);
        int q = p + 16, is = 0;
        for (int j = 0; j < QK_K; j += 64) {
            float d1 = d * scaleK4(b, p + 4, is), m1 = min * minK4(b, p + 4, is);
            float d2 = d * scaleK4(b, p + 4, is + 1), m2 = min * minK4(b, p + 4, is + 1);
            for (int l = 0; l < 32; l++) y[o++] = d1 * (u8(b, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * (u8(b, q + l) >> 4) - m2;
            q += 32;
            is += 2;
        }
    }

    // Q5_K: d | dmin | scales[12] | qh[32] | qs[128]
    private static void dq5k(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p), min = h(b, p + 2);
        int ql = p + 48, qh = p + 16, is = 0, u1 = 1, u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            float d1 = d * scaleK4(b, p + 4, is), m1 = min * minK4(b, p + 4, is);
            float d2 = d * scaleK4(b, p + 4, is + 1), m2 = min * minK4(b, p + 4, is + 1);
            for (int l = 0; l < 32; l++) y[o++] = d1 * ((u8(b, ql + l) & 0xF) + ((u8(b, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * ((u8(b, ql + l) >> 4) + ((u8(b, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    // Q6_K: ql[128] | qh[64] | scales[16] (int8) | d
    private static void dq6k(ByteBuffer b, int p, float[] y, int o) {
        float d = h(b, p + 208);
        int ql = p, qh = p + 128, sc = p + 192;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h8 = u8(b, qh + l);
                int q1 = ((u8(b, ql + l) & 0xF) | ((h8 & 3) << 4)) - 32;
                int q2 = ((u8(b, ql + l + 32) & 0xF) | (((h8 >> 2) & 3) << 4)) - 32;
                int q3 = ((u8(b, ql + l) >> 4) | (((h8 >> 4) & 3) << 4)) - 32;
                int q4 = ((u8(b, ql + l + 32) >> 4) | (((h8 >> 6) & 3) << 4)) - 32;
                y[o + l] = d * b.get(sc + is) * q1;
                y[o + l + 32] = d * b.get(sc + is + 2) * q2;
                y[o + l + 64] = d * b.get(sc + is + 4) * q3;
                y[o + l + 96] = d * b.get(sc + is + 6) * q4;
            }
            o += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }

    // ================================================================ quantize (reference)

    /**
     * Encodes {@code n} floats from {@code x[off..]} as type {@code t} at byte {@code at} of {@code dst} with llama.cpp's
     * reference quantizer ({@code quantize_row_*_ref}: no importance matrix).
     */
    public static void quantize(GgmlType t, float[] x, int off, int n, ByteBuffer dst, long at) {
        ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int nb = n / t.blockSize();
        if ((long) nb * t.blockSize() != n) throw new IllegalArgumentException(t + ": " + n + " elements is not a multiple of " + t.blockSize());
        int p = Math.toIntExact(at);
        Scratch s = t.blockSize() == QK_K ? SCRATCH.get() : null;
        for (int i = 0; i < nb; i++, p += t.blockBytes(), off += t.blockSize()) {
            switch (t) {
                case F32 -> b.putFloat(p, x[off]);
                case F16 -> b.putShort(p, Float.floatToFloat16(x[off]));
                case BF16 -> b.putShort(p, bf16(x[off]));
                case Q4_0 -> q40(x, off, b, p);
                case Q4_1 -> q41(x, off, b, p);
                case Q5_0 -> q50(x, off, b, p);
                case Q5_1 -> q51(x, off, b, p);
                case Q8_0 -> q80(x, off, b, p);
                case Q2_K -> q2k(x, off, b, p, s);
                case Q3_K -> q3k(x, off, b, p, s);
                case Q4_K -> q45k(x, off, b, p, s, false);
                case Q5_K -> q45k(x, off, b, p, s, true);
                case Q6_K -> q6k(x, off, b, p, s);
            }
        }
    }

    /** ggml's fp32 to bf16: NaN made quiet, else round to nearest even. */
    static short bf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    private static short fp16(float f) {
        return Float.floatToFloat16(f);
    }

    private static float fp16Round(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /** ggml's nearest_int: float rounding through the 1.5 * 2^23 magic number (ties to even; |x| &lt;= 2^22). */
    static int nearestInt(float f) {
        float v = f + 12582912f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /** C's roundf: ties away from zero (exact in double for any float). */
    static float roundf(float f) {
        double a = Math.floor(Math.abs((double) f) + 0.5);
        return (float) Math.copySign(a, f);
    }

    private static void q40(float[] x, int o, ByteBuffer b, int p) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -8, id = d != 0 ? 1.0f / d : 0.0f;
        b.putShort(p, fp16(d));
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) (x[o + j] * id + 8.5f));
            int xi1 = Math.min(15, (byte) (int) (x[o + 16 + j] * id + 8.5f));
            b.put(p + 2 + j, (byte) (xi0 | (xi1 << 4)));
        }
    }

    private static void q41(float[] x, int o, ByteBuffer b, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15, id = d != 0 ? 1.0f / d : 0.0f;
        b.putShort(p, fp16(d));
        b.putShort(p + 2, fp16(min));
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) ((x[o + j] - min) * id + 0.5f));
            int xi1 = Math.min(15, (byte) (int) ((x[o + 16 + j] - min) * id + 0.5f));
            b.put(p + 4 + j, (byte) (xi0 | (xi1 << 4)));
        }
    }

    private static void q50(float[] x, int o, ByteBuffer b, int p) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -16, id = d != 0 ? 1.0f / d : 0.0f;
        b.putShort(p, fp16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(31, (byte) (int) (x[o + j] * id + 16.5f));
            int xi1 = Math.min(31, (byte) (int) (x[o + 16 + j] * id + 16.5f));
            b.put(p + 6 + j, (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4)));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        b.putInt(p + 2, qh);
    }

    private static void q51(float[] x, int o, ByteBuffer b, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31, id = d != 0 ? 1.0f / d : 0.0f;
        b.putShort(p, fp16(d));
        b.putShort(p + 2, fp16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = ((int) ((x[o + j] - min) * id + 0.5f)) & 0xff;
            int xi1 = ((int) ((x[o + 16 + j] - min) * id + 0.5f)) & 0xff;
            b.put(p + 8 + j, (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4)));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        b.putInt(p + 4, qh);
    }

    private static void q80(float[] x, int o, ByteBuffer b, int p) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        float d = amax / 127, id = d != 0 ? 1.0f / d : 0.0f;
        b.putShort(p, fp16(d));
        for (int j = 0; j < 32; j++) b.put(p + 2 + j, (byte) (int) roundf(x[o + j] * id));
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Work arrays of the k-quants (one set per thread). */
    private static final class Scratch {
        final int[] l = new int[QK_K];
        final int[] laux = new int[32];
        final float[] weights = new float[32];
        final float[] mins = new float[QK_K / 16];
        final float[] scales = new float[QK_K / 16];
        final float[] mn = new float[1];
    }

    /** make_qx_quants with rmse_type 1 and no importance weights (w = x^2). L gets values 0..2*nmax-1. */
    private static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) { amax = ax; max = x[xo + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * x[xo + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * x[xo + i]);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** make_q3_quants with do_rmse: L gets 0..2*nmax-1. */
    private static float makeQ3Quants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) { amax = ax; max = x[xo + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * x[xo + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * L[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[lo + i] * L[lo + i];
                    int nl = nearestInt(xi * sl2 / slx);
                    nl = Math.max(-nmax, Math.min(nmax - 1, nl));
                    if (nl != L[lo + i]) {
                        slx += w * xi * nl;
                        sl2 += w * nl * nl;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = nl;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += nmax;
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /** make_qkx2_quants: scale returned, the negated min in {@code theMin[0]}; L gets 0..nmax. */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo, float[] theMin,
                                        int[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; i++) L[lo + i] = laux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    private static void q2k(float[] x, int o, ByteBuffer b, int p, Scratch s) {
        int[] L = s.l;
        float q4scale = 15.f;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < QK_K / 16; j++) {
            for (int l = 0; l < 16; l++) s.weights[l] = Math.abs(x[o + 16 * j + l]);
            s.scales[j] = makeQkx2Quants(16, 3, x, o + 16 * j, s.weights, L, 16 * j, s.mn, s.laux, -0.5f, 0.1f, 15, true);
            s.mins[j] = s.mn[0];
            if (s.scales[j] > maxScale) maxScale = s.scales[j];
            if (s.mins[j] > maxMin) maxMin = s.mins[j];
        }
        int[] sc = new int[QK_K / 16];
        short d, dmin;
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < QK_K / 16; j++) sc[j] = nearestInt(iscale * s.scales[j]) & 0xff;
            d = fp16(maxScale / q4scale);
        } else {
            d = fp16(0.f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < QK_K / 16; j++) sc[j] = (sc[j] | (nearestInt(iscale * s.mins[j]) << 4)) & 0xff;
            dmin = fp16(maxMin / q4scale);
        } else {
            dmin = fp16(0.f);
        }
        float df = Float.float16ToFloat(d), dminf = Float.float16ToFloat(dmin);
        for (int j = 0; j < QK_K / 16; j++) {
            float dd = df * (sc[j] & 0xF);
            if (dd == 0) continue;
            float dm = dminf * (sc[j] >> 4);
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt((x[o + 16 * j + ii] + dm) / dd);
                L[16 * j + ii] = Math.max(0, Math.min(3, l));
            }
        }
        for (int j = 0; j < 16; j++) b.put(p + j, (byte) sc[j]);
        for (int j = 0; j < QK_K; j += 128)
            for (int l = 0; l < 32; l++)
                b.put(p + 16 + j / 4 + l, (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)));
        b.putShort(p + 80, d);
        b.putShort(p + 82, dmin);
    }

    private static void q3k(float[] x, int o, ByteBuffer b, int p, Scratch s) {
        int[] L = s.l;
        float maxScale = 0, amax = 0;
        for (int j = 0; j < QK_K / 16; j++) {
            s.scales[j] = makeQ3Quants(16, 4, x, o + 16 * j, L, 16 * j);
            float scale = Math.abs(s.scales[j]);
            if (scale > amax) { amax = scale; maxScale = s.scales[j]; }
        }
        int[] scales = new int[12];
        short d;
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < QK_K / 16; j++) {
                int l = (byte) nearestInt(iscale * s.scales[j]);
                l = Math.max(-32, Math.min(31, l)) + 32;
                if (j < 8) scales[j] = l & 0xF;
                else scales[j - 8] |= (l & 0xF) << 4;
                l >>= 4;
                scales[j % 4 + 8] |= l << (2 * (j / 4));
            }
            d = fp16(1 / iscale);
        } else {
            d = fp16(0.f);
        }
        float df = Float.float16ToFloat(d);
        for (int j = 0; j < QK_K / 16; j++) {
            int sc = j < 8 ? scales[j] & 0xF : (scales[j - 8] & 0xff) >> 4;
            sc = (byte) ((sc | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
            float dd = df * sc;
            if (dd == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[o + 16 * j + ii] / dd);
                L[16 * j + ii] = Math.max(-4, Math.min(3, l)) + 4;
            }
        }
        int[] hmask = new int[QK_K / 8];
        int m = 0, hm = 1;
        for (int j = 0; j < QK_K; j++) {
            if (L[j] > 3) {
                hmask[m] |= hm;
                L[j] -= 4;
            }
            if (++m == QK_K / 8) {
                m = 0;
                hm <<= 1;
            }
        }
        for (int j = 0; j < 32; j++) b.put(p + j, (byte) hmask[j]);
        for (int j = 0; j < QK_K; j += 128)
            for (int l = 0; l < 32; l++)
                b.put(p + 32 + j / 4 + l, (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)));
        for (int j = 0; j < 12; j++) b.put(p + 96 + j, (byte) scales[j]);
        b.putShort(p + 108, d);
    }

    /** quantize_row_q4_K_ref ({@code five} false) and quantize_row_q5_K_ref ({@code five} true). */
    private static void q45k(float[] x, int o, ByteBuffer b, int p, Scratch s, boolean five) {
        int[] L = s.l;
        int nmax = five ? 31 : 15;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < QK_K / 32; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[o + 32 * j + l] * x[o + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) s.weights[l] = avX + Math.abs(x[o + 32 * j + l]);
            s.scales[j] = five
                    ? makeQkx2Quants(32, 31, x, o + 32 * j, s.weights, L, 32 * j, s.mn, s.laux, -0.5f, 0.1f, 15, false)
                    : makeQkx2Quants(32, 15, x, o + 32 * j, s.weights, L, 32 * j, s.mn, s.laux, -1.f, 0.1f, 20, false);
            s.mins[j] = s.mn[0];
            if (s.scales[j] > maxScale) maxScale = s.scales[j];
            if (s.mins[j] > maxMin) maxMin = s.mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int[] sc = new int[12];
        for (int j = 0; j < QK_K / 32; j++) {
            int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xff);
            if (j < 4) {
                sc[j] = ls;
                sc[j + 4] = lm;
            } else {
                sc[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                sc[j - 4] |= (ls >> 4) << 6;
                sc[j] |= (lm >> 4) << 6;
            }
        }
        short d = fp16(maxScale / 63.f), dmin = fp16(maxMin / 63.f);
        float df = Float.float16ToFloat(d), dminf = Float.float16ToFloat(dmin);
        for (int j = 0; j < QK_K / 32; j++) {
            int scj = j < 4 ? sc[j] & 63 : (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
            int mj = j < 4 ? sc[j + 4] & 63 : (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
            float dd = df * scj;
            if (dd == 0) continue;
            float dm = dminf * mj;
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[o + 32 * j + ii] + dm) / dd);
                L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
        b.putShort(p, d);
        b.putShort(p + 2, dmin);
        for (int j = 0; j < 12; j++) b.put(p + 4 + j, (byte) sc[j]);
        if (!five) {
            int q = p + 16;
            for (int j = 0; j < QK_K; j += 64) {
                for (int l = 0; l < 32; l++) b.put(q + l, (byte) (L[j + l] | (L[j + l + 32] << 4)));
                q += 32;
            }
        } else {
            int[] qh = new int[32];
            int ql = p + 48, m1 = 1, m2 = 2;
            for (int n = 0; n < QK_K; n += 64) {
                for (int j = 0; j < 32; j++) {
                    int l1 = L[n + j];
                    if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
                    int l2 = L[n + j + 32];
                    if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
                    b.put(ql + j, (byte) (l1 | (l2 << 4)));
                }
                m1 <<= 2;
                m2 <<= 2;
                ql += 32;
            }
            for (int j = 0; j < 32; j++) b.put(p + 16 + j, (byte) qh[j]);
        }
    }

    private static void q6k(float[] x, int o, ByteBuffer b, int p, Scratch s) {
        int[] L = s.l;
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < QK_K / 16; ib++) {
            float scale = makeQxQuants(16, 32, x, o + 16 * ib, L, 16 * ib);
            s.scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) { maxAbsScale = abs; maxScale = scale; }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int j = 0; j < GgmlType.Q6_K.blockBytes(); j++) b.put(p + j, (byte) 0);
            b.putShort(p + 208, fp16(0.f));
            return;
        }
        float iscale = -128.f / maxScale;
        short d = fp16(1 / iscale);
        int[] sc = new int[QK_K / 16];
        for (int ib = 0; ib < QK_K / 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * s.scales[ib]));
        float df = Float.float16ToFloat(d);
        for (int j = 0; j < QK_K / 16; j++) {
            float dd = df * sc[j];
            if (dd == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[o + 16 * j + ii] / dd);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        int ql = p, qh = p + 128;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                b.put(ql + l, (byte) (q1 | (q3 << 4)));
                b.put(ql + l + 32, (byte) (q2 | (q4 << 4)));
                b.put(qh + l, (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6)));
            }
            ql += 64;
            qh += 32;
        }
        for (int j = 0; j < 16; j++) b.put(p + 192 + j, (byte) sc[j]);
        b.putShort(p + 208, d);
    }
}
