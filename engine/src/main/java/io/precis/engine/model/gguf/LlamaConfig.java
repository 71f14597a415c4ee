package io.precis.engine.model.gguf;

import io.precis.engine.model.ModelException;

/**
 * The shape of a Llama-family network, from a GGUF's {@code <arch>.*} metadata. {@code llama} (also Mistral and
 * SmolLM, which llama.cpp files as llama) and {@code qwen2} (biases on q/k/v, rotary over halves).
 *
 * @param interleavedRope llama.cpp's converter permutes q/k rows of llama models so that rotary pairs are adjacent
 *                        (ggml's "normal" rope); qwen2 keeps HF's halves ("neox"). The forward pass uses the pairing
 *                        the file's rows have, which is the same network as the HF one with the permutation undone,
 *                        and leaves the rows as stored so an exported GGUF writes them back unchanged.
 * @param ropeScale       linear rope scaling: positions are divided by it (1 when none)
 */
public record LlamaConfig(String architecture, int blocks, int width, int ff, int heads, int kvHeads, int headDim,
                          float ropeBase, float ropeScale, float eps, int context, boolean interleavedRope) {

    public static LlamaConfig of(GgufFile f) {
        String where = f.path().toString();
        String arch = f.string("general.architecture", null);
        boolean interleaved = switch (arch) {
            case "llama" -> true;
            case "qwen2" -> false;
            default -> throw new ModelException(where, "architecture '" + arch + "' is not supported; Precis runs llama "
                    + "(Llama, Mistral, SmolLM) and qwen2 GGUF models");
        };
        String p = arch + ".";
        int width = positive(f, p + "embedding_length");
        int heads = positive(f, p + "attention.head_count");
        int kv = (int) f.integer(p + "attention.head_count_kv", (long) heads);
        if (kv <= 0 || heads % kv != 0)
            throw new ModelException(where, p + "attention.head_count_kv " + kv + " does not divide the " + heads + " heads");
        if (width % heads != 0) throw new ModelException(where, p + "embedding_length " + width + " is not a multiple of the " + heads + " heads");
        int headDim = width / heads;
        long ropeDim = f.integer(p + "rope.dimension_count", (long) headDim);
        if (ropeDim != headDim)
            throw new ModelException(where, p + "rope.dimension_count " + ropeDim + " rotates part of each head; Precis supports rotary over whole heads (" + headDim + ")");
        float scale = 1f;
        String scaling = f.string(p + "rope.scaling.type", "none");
        switch (scaling) {
            case "none" -> { }
            case "linear" -> scale = (float) f.number(p + "rope.scaling.factor", 1.0);
            default -> throw new ModelException(where, p + "rope.scaling.type '" + scaling + "' is not supported; Precis applies none and linear");
        }
        if (!(scale > 0)) throw new ModelException(where, p + "rope.scaling.factor must be positive, not " + scale);
        return new LlamaConfig(arch, positive(f, p + "block_count"), width, positive(f, p + "feed_forward_length"), heads, kv, headDim,
                (float) f.number(p + "rope.freq_base", 10000.0), scale,
                (float) f.number(p + "attention.layer_norm_rms_epsilon", 1e-5), (int) f.integer(p + "context_length", 2048L), interleaved);
    }

    private static int positive(GgufFile f, String key) {
        long v = f.integer(key, null);
        if (v <= 0 || v > 1 << 20) throw new ModelException(f.path().toString(), "metadata key '" + key + "' is " + v + ", not a sensible size");
        return (int) v;
    }
}
