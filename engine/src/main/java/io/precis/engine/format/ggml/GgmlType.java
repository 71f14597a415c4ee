package io.precis.engine.format.ggml;

import java.util.Locale;
import java.util.Optional;

/**
 * The ggml tensor types Precis reads and writes: ids as in GGUF files, block sizes (elements) and block bytes as
 * in llama.cpp's ggml-common.h. Bits per weight are exact: block bytes * 8 / block size.
 */
public enum GgmlType {
    F32(0, 1, 4, 32),
    F16(1, 1, 2, 16),
    Q4_0(2, 32, 18, 4),
    Q4_1(3, 32, 20, 4),
    Q5_0(6, 32, 22, 5),
    Q5_1(7, 32, 24, 5),
    Q8_0(8, 32, 34, 8),
    Q2_K(10, 256, 84, 2),
    Q3_K(11, 256, 110, 3),
    Q4_K(12, 256, 144, 4),
    Q5_K(13, 256, 176, 5),
    Q6_K(14, 256, 210, 6),
    BF16(30, 1, 2, 16);

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final int elementBits;

    GgmlType(int id, int blockSize, int blockBytes, int elementBits) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.elementBits = elementBits;
    }

    /** The type's number in GGUF tensor infos. */
    public int id() { return id; }

    /** Elements per block (1 for the float types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int blockBytes() { return blockBytes; }

    /** Bits of each quantized element, scales not counted (the Precis format's element width). */
    public int elementBits() { return elementBits; }

    /** Exact storage cost: q4_0 4.5, q4_1 5, q8_0 8.5, q4_k 4.5, q6_k 6.5625. */
    public double bitsPerWeight() { return blockBytes * 8.0 / blockSize; }

    /** True for the block-quantized types (everything but F32, F16 and BF16). */
    public boolean isQuantized() { return blockSize > 1; }

    /** The lower-case name used as a Precis format and in messages: {@code q4_k}, {@code f16}. */
    public String formatName() { return name().toLowerCase(Locale.ROOT); }

    /** Bytes of {@code n} elements; {@code n} must be a multiple of the block size. */
    public long bytes(long n) {
        if (n % blockSize != 0) throw new IllegalArgumentException(this + ": " + n + " elements is not a multiple of the block size " + blockSize);
        return n / blockSize * blockBytes;
    }

    public static Optional<GgmlType> byId(long id) {
        for (GgmlType t : values()) if (t.id == id) return Optional.of(t);
        return Optional.empty();
    }

    /** By format name ({@code q4_k}) or ggml name ({@code Q4_K}). */
    public static Optional<GgmlType> byName(String name) {
        for (GgmlType t : values()) if (t.name().equalsIgnoreCase(name)) return Optional.of(t);
        return Optional.empty();
    }

    /** Names of ggml types Precis does not implement, for messages (ids as in ggml.h). */
    public static String unknownName(long id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
            "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
            "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0"};
        return id >= 0 && id < names.length ? names[(int) id] : "type " + id;
    }
}
