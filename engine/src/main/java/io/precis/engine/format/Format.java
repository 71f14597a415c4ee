package io.precis.engine.format;

import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.quant.Encoded;
import io.precis.engine.quant.Quantizer;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A number format with everything needed to quantize a tensor exactly: the element type, which weights share a
 * scale, symmetric or asymmetric, rounding, how scales are chosen and how they are stored.
 *
 * <p>Immutable; every option returns a new format and rejects combinations that make no sense with a message
 * that says what is allowed. {@link #toString()} is the canonical text form, which {@link Formats#parse} reads
 * back into an equal format.
 *
 * <pre>{@code
 * Formats.int4().groups(128).fakeQuantize(weights, 4096, 4096);   // in place
 * Formats.parse("int4 group 128 asymmetric").bitsPerWeight();        // 4.15625
 * Formats.mxfp4().bitsPerWeight();                                   // 4.25
 * }</pre>
 */
public final class Format {

    private final String name;
    private final Element element;
    private final Granularity granularity;
    private final boolean symmetric;
    private final Rounding rounding;
    private final ScaleRule scaleRule;
    private final ScaleType scaleType;
    private final boolean saturating;

    Format(String name, Element element, Granularity granularity, boolean symmetric, Rounding rounding,
           ScaleRule scaleRule, ScaleType scaleType, boolean saturating) {
        this.name = name;
        this.element = element;
        this.granularity = granularity;
        this.symmetric = symmetric;
        this.rounding = rounding;
        this.scaleRule = scaleRule;
        this.scaleType = scaleType;
        this.saturating = saturating;
    }

    // ---------------------------------------------------------------- queries

    /** Canonical lower-case name of the format family, e.g. {@code int4}, {@code mxfp4}. */
    public String name() { return name; }

    public Element element() { return element; }

    public Granularity granularity() { return granularity; }

    /** True unless an integer format was made {@link #asymmetric()} (then each group has a zero point). */
    public boolean isSymmetric() { return symmetric; }

    public Rounding rounding() { return rounding; }

    public ScaleRule scaleRule() { return scaleRule; }

    /** How scales are stored (block formats: E8M0 or UE4M3 as their spec fixes). Irrelevant when unscaled. */
    public ScaleType scaleType() { return scaleType; }

    /** Whether values beyond the element's range clamp to its max (else: infinity or NaN, as the type defines). */
    public boolean saturating() { return saturating; }

    /** True for the OCP MX formats and NVFP4, whose blocks and scales are fixed by their spec. */
    public boolean isBlockFormat() { return granularity instanceof Granularity.Blocks; }

    /** True for MXFP*, MXINT8: blocks of 32 with an E8M0 power-of-two scale. */
    public boolean isMx() {
        return granularity instanceof Granularity.Blocks b && b.scale() == ScaleType.E8M0;
    }

    /** True for NVFP4: blocks of 16 with a UE4M3 block scale and an FP32 tensor scale. */
    public boolean isNvfp4() {
        return granularity instanceof Granularity.Blocks b && b.tensorScale();
    }

    /**
     * Bits per weight for tensors whose groups are all full, scales and zero points included (int4 group 128
     * with fp16 scales: 4.125; mxfp4: 4.25; nvfp4: 4.5). Per-tensor and per-channel scales, and NVFP4's
     * tensor scale, depend on the shape and are not counted here: use {@link #bitsPerWeight(int...)}.
     */
    public double bitsPerWeight() {
        if (GgmlFormats.is(this)) {
            return GgmlFormats.bitsPerWeight(this);
        }
        int bits = element.bits();
        return switch (granularity) {
            case Granularity.Unscaled u -> bits;
            case Granularity.PerTensor t -> bits;
            case Granularity.PerChannel c -> bits;
            case Granularity.Groups g -> bits + (double) (scaleType.bits() + zeroPointBits()) / g.size();
            case Granularity.Blocks b -> bits + (double) b.scale().bits() / b.size();
        };
    }

    /** Exact bits per weight of a tensor of this shape: element bits plus every scale and zero point stored. */
    public double bitsPerWeight(int... shape) {
        if (GgmlFormats.is(this)) {
            return GgmlFormats.bitsPerWeight(this, shape);
        }
        GroupLayout layout = GroupLayout.of(this, shape);
        long n = layout.size();
        if (n == 0) {
            return bitsPerWeight();
        }
        double extra = (double) layout.groupCount() * (scaleBits() + zeroPointBits());
        if (isNvfp4()) {
            extra += 32;
        }
        return element.bits() + extra / n;
    }

    private int scaleBits() {
        return granularity instanceof Granularity.Unscaled ? 0 : scaleType.bits();
    }

    private int zeroPointBits() {
        return symmetric ? 0 : element.bits();
    }

    // ---------------------------------------------------------------- actions

    /** Quantizes then dequantizes {@code weights} in place (shape defaults to 1-D); returns the same array. */
    public float[] fakeQuantize(float[] weights, int... shape) {
        return Quantizer.standard().fakeQuantize(this, weights, shape);
    }

    /**
     * Quantizes then dequantizes float32 values in place in a buffer (from its position to its limit, in the
     * buffer's byte order), e.g. a DJL tensor's {@code toByteBuffer(true)} view. Returns the same buffer.
     */
    public ByteBuffer fakeQuantize(ByteBuffer weights, int... shape) {
        return Quantizer.standard().fakeQuantize(this, weights, shape);
    }

    /** Encodes to codes, scales and zero points; {@link Encoded#decode()} equals {@link #fakeQuantize} bit for bit. */
    public Encoded encode(float[] weights, int... shape) {
        return Quantizer.standard().encode(this, weights, shape);
    }

    // ---------------------------------------------------------------- granularity

    /** One scale for the whole tensor. */
    public Format perTensor() {
        requireScaledGranularity("per tensor");
        return with(new Granularity.PerTensor());
    }

    /** One scale per output channel (axis 0). */
    public Format perChannel() {
        return perChannel(0);
    }

    /** One scale per index along {@code axis}. */
    public Format perChannel(int axis) {
        requireScaledGranularity("per channel");
        return with(new Granularity.PerChannel(axis));
    }

    /** One scale per {@code size} consecutive weights along the reduction axis (see {@link Granularity#ROWS}). */
    public Format groups(int size) {
        requireScaledGranularity("group " + size);
        int axis = granularity instanceof Granularity.Groups g ? g.axis() : Granularity.ROWS;
        return with(new Granularity.Groups(size, axis));
    }

    /**
     * The axis of the current granularity: the channel axis of per-channel scales, or the reduction axis along
     * which groups and blocks run.
     */
    public Format axis(int axis) {
        if (axis < 0) {
            throw new IllegalArgumentException(this + ": axis must be >= 0, got " + axis);
        }
        return switch (granularity) {
            case Granularity.PerChannel c -> with(new Granularity.PerChannel(axis));
            case Granularity.Groups g -> with(new Granularity.Groups(g.size(), axis));
            case Granularity.Blocks b -> with(new Granularity.Blocks(b.size(), axis, b.scale(), b.tensorScale()));
            default -> throw new IllegalArgumentException(this + ": 'axis' applies to per channel, group N and "
                    + "block formats; this format is " + granularity + ". Options for " + name + ": "
                    + Formats.optionsOf(this));
        };
    }

    /** A plain cast to the element type, no scale (minifloat formats only). */
    public Format unscaled() {
        if (!(element instanceof Element.Float) || isBlockFormat()) {
            throw rejected("unscaled", name + " needs a scale");
        }
        if (!(scaleRule instanceof ScaleRule.Absmax)) {
            throw rejected("unscaled", "an unscaled cast has no scale to choose; drop '" + scaleRule + "'");
        }
        return new Format(name, element, new Granularity.Unscaled(), symmetric, rounding, scaleRule,
                ScaleType.FP32, saturating);
    }

    // ---------------------------------------------------------------- other options

    /** No zero point (the default). */
    public Format symmetric() {
        return symmetric ? this : new Format(name, element, granularity, true, rounding, scaleRule, scaleType,
                saturating);
    }

    /** A zero point per group, stored with the element's bits (integer formats only). */
    public Format asymmetric() {
        if (!(element instanceof Element.Int) || isBlockFormat()) {
            throw rejected("asymmetric", "a zero point applies to int2..int8; " + name + " is symmetric");
        }
        return new Format(name, element, granularity, false, rounding, scaleRule, scaleType, saturating);
    }

    public Format rounding(Rounding rounding) {
        if (GgmlFormats.is(this)) {
            GgmlFormats.checkRounding(this, rounding);
        }
        return new Format(name, element, granularity, symmetric, Objects.requireNonNull(rounding), scaleRule,
                scaleType, saturating);
    }

    /** Round to nearest, ties to even (the default). */
    public Format nearestEven() {
        return rounding(new Rounding.NearestEven());
    }

    /** Seeded, reproducible stochastic rounding. */
    public Format stochastic(long seed) {
        return rounding(new Rounding.Stochastic(seed));
    }

    public Format scaleRule(ScaleRule rule) {
        Objects.requireNonNull(rule);
        if (rule instanceof ScaleRule.Absmax) {
            return new Format(name, element, granularity, symmetric, rounding, rule, scaleType, saturating);
        }
        if (isBlockFormat()) {
            throw rejected(rule.toString(), name + " chooses its scales by its spec's rule; clipping rules apply"
                    + " to int2..int8, fp8/fp6/fp4, bf16/fp16 with a scale, and nf4");
        }
        if (granularity instanceof Granularity.Unscaled) {
            throw rejected(rule.toString(), name + " is unscaled here; choose per tensor, per channel or "
                    + "group N first");
        }
        return new Format(name, element, granularity, symmetric, rounding, rule, scaleType, saturating);
    }

    /** Scale = the group's largest magnitude (the default). */
    public Format absmax() {
        return scaleRule(new ScaleRule.Absmax());
    }

    /** MSE-optimal clipping search with the default grid (see {@link ScaleRule.Mse}). */
    public Format mse() {
        return scaleRule(new ScaleRule.Mse(ScaleRule.Mse.DEFAULT_MAX_SHRINK, ScaleRule.Mse.DEFAULT_STEPS));
    }

    /** Scale from the p-th percentile of |x| (see {@link ScaleRule.Percentile}). */
    public Format percentile(double percent) {
        return scaleRule(new ScaleRule.Percentile(percent));
    }

    /** How scales are stored: FP32, FP16 or BF16 (scales are rounded to it, so results match the stored form). */
    public Format scales(ScaleType type) {
        Objects.requireNonNull(type);
        if (isBlockFormat()) {
            throw rejected("scales " + type.label(), name + " stores its scales as " + scaleType.label()
                    + ", fixed by its spec");
        }
        if (granularity instanceof Granularity.Unscaled) {
            throw rejected("scales " + type.label(), name + " is unscaled here");
        }
        if (type != ScaleType.FP32 && type != ScaleType.FP16 && type != ScaleType.BF16) {
            throw rejected("scales " + type.label(), "scales can be fp32, fp16 or bf16");
        }
        return new Format(name, element, granularity, symmetric, rounding, scaleRule, type, saturating);
    }

    /**
     * Whether out-of-range values clamp to the largest finite value (true) or overflow to infinity / NaN as the
     * element type defines (false). Only fp8 and bf16/fp16 have a choice; every other format saturates.
     */
    public Format saturating(boolean saturate) {
        if (saturate == saturating) {
            return this;
        }
        boolean canOverflow = element instanceof Element.Float f && f.type().hasNaN() && !isBlockFormat();
        if (!canOverflow) {
            throw rejected(saturate ? "saturating" : "nonsaturating", name
                    + " always saturates (only fp8_e4m3, fp8_e5m2, bf16 and fp16 can overflow to inf/NaN)");
        }
        return new Format(name, element, granularity, symmetric, rounding, scaleRule, scaleType, saturate);
    }

    // ---------------------------------------------------------------- helpers

    private void requireScaledGranularity(String what) {
        if (isBlockFormat()) {
            Granularity.Blocks b = (Granularity.Blocks) granularity;
            String spec = isMx() ? "OCP MX v1.0" : "NVFP4";
            throw rejected(what, name + " has fixed blocks of " + b.size() + " along the reduction axis with "
                    + b.scale().name() + " scales (" + spec + "); it takes no group size or per-tensor/per-channel"
                    + " scale");
        }
    }

    private Format with(Granularity g) {
        return new Format(name, element, g, symmetric, rounding, scaleRule, scaleType, saturating);
    }

    private IllegalArgumentException rejected(String option, String why) {
        return new IllegalArgumentException("'" + option + "' is not allowed for " + this + ": " + why
                + ". Options for " + name + ": " + Formats.optionsOf(this));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Format f && f.name.equals(name) && f.element.equals(element)
                && f.granularity.equals(granularity) && f.symmetric == symmetric && f.rounding.equals(rounding)
                && f.scaleRule.equals(scaleRule) && f.scaleType == scaleType && f.saturating == saturating;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, element, granularity, symmetric, rounding, scaleRule, scaleType, saturating);
    }

    /** Canonical text: the name followed by every option that differs from the name's defaults. */
    @Override
    public String toString() {
        return Formats.describe(this);
    }
}
