package io.precis.engine.format;

/** How a scale is stored; its width counts in a format's bits per weight, and scales are rounded to it. */
public enum ScaleType {
    FP32(32),
    FP16(16),
    BF16(16),
    /** OCP MX shared scale: an 8-bit power of two, 2^-127..2^127, 0xFF = NaN. Fixed by the MX formats. */
    E8M0(8),
    /** NVFP4 block scale: an unsigned FP8 E4M3 value (the sign bit unused). Fixed by NVFP4. */
    UE4M3(8);

    private final int bits;

    ScaleType(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** Lower-case name as the text form of a format writes it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
