package io.precis.engine.lab;

import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.util.Locale;

/**
 * The precision the weights of the linear layers have in the forward pass while training. {@code fp32}: as
 * they are; {@code bf16}: rounded to bfloat16 by the engine's {@code bf16} format each step (the matrix products
 * stay fp32: DJL's bf16 cast under autograd aborted libtorch here, and the CPU path would need every operand in
 * bf16); {@code qat-intN}: fake-quantized with the engine's {@code intN} format (per output channel, symmetric,
 * round to nearest). Both pass the gradient to the latent fp32 weight straight through.
 */
public record TrainPrecision(String name, Format format) {

    public static final TrainPrecision FP32 = new TrainPrecision("fp32", null);
    public static final TrainPrecision BF16 = new TrainPrecision("bf16", Formats.bf16());

    public static TrainPrecision qat(int bits) {
        return new TrainPrecision("qat-int" + bits, Formats.intN(bits));
    }

    /** {@code fp32}, {@code bf16} or {@code qat-int2..8}. */
    public static TrainPrecision parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("fp32")) return FP32;
        if (t.equals("bf16")) return BF16;
        if (t.matches("qat-int[2-8]")) return qat(Integer.parseInt(t.substring(7)));
        throw new IllegalArgumentException("unknown training precision '" + s + "'; use fp32, bf16 or qat-int2..qat-int8");
    }

    /** Whether the forward pass sees rounded weights. */
    public boolean rounds() {
        return format != null;
    }

    @Override
    public String toString() {
        return name;
    }
}
