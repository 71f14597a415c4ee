package io.precis.engine.lab;

import io.precis.engine.model.gguf.LlamaConfig;

/**
 * One model size of a family: a byte-level Llama (vocabulary 256, tied token table and head, rotary over head
 * halves, SwiGLU with {@code ff} hidden units, no biases).
 */
public record LabSize(String name, int width, int blocks, int heads, int ff) {
    public static final int VOCAB = 256;

    public LabSize {
        if (width <= 0 || blocks <= 0 || heads <= 0 || ff <= 0) throw new IllegalArgumentException("size " + name + ": every dimension must be positive");
        if (width % heads != 0 || (width / heads) % 2 != 0)
            throw new IllegalArgumentException("size " + name + ": width " + width + " must split into " + heads + " heads of an even size");
    }

    /** A size with the usual SwiGLU ratio (ff = 8/3 of the width, rounded to a multiple of 16 so that groups of 16 fit). */
    public static LabSize of(int width, int blocks, int heads) {
        int ff = Math.max(16, (int) Math.round(width * 8.0 / 3 / 16) * 16);
        return new LabSize("w" + width + "l" + blocks, width, blocks, heads, ff);
    }

    public LlamaConfig config(int context) {
        return new LlamaConfig("llama", blocks, width, ff, heads, heads, width / heads, 10000f, 1f, 1e-5f, context, false);
    }

    /** N: parameters outside the token table (attention, MLP, norms), as the paper counts them. */
    public long nonEmbeddingParams() {
        long perBlock = 4L * width * width + 3L * width * ff + 2L * width;
        return blocks * perBlock + width;
    }
}
