package io.precis.engine.model.gguf;

import io.precis.engine.format.ggml.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny Llama-architecture GGUF with seeded random weights, written by Precis itself for fast tests and examples:
 * 2 blocks, width 256, 4 query heads over 2 key/value heads (grouped-query attention), SwiGLU of 512, a byte-level
 * GPT-2 BPE tokenizer of 256 byte tokens, a few merges and two special tokens, and weights stored in a mix of
 * ggml types (Q8_0 embeddings, Q4_K / Q6_K / Q4_1 / Q5_0 projections, F32 norms) so loading exercises them all.
 */
public final class TinyGguf {
    public static final int WIDTH = 256, FF = 512, HEADS = 4, KV_HEADS = 2, BLOCKS = 2;
    /** Merges of the tiny tokenizer (GPT-2 byte-level symbols: 'Ġ' is a space). */
    static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "o n", "Ġ s", "a n", "e n");

    private TinyGguf() {}

    /** Writes the model; {@code tied}: no separate output matrix (the token table is the head), as in SmolLM2. */
    public static Path write(Path target, long seed, boolean tied) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(byteToken(b));
        for (String m : MERGES) tokens.add(m.replace(" ", ""));
        tokens.add("<|endoftext|>");
        tokens.add("<|im_start|>");
        int vocab = tokens.size();
        int[] types = new int[vocab];
        java.util.Arrays.fill(types, 1);
        types[vocab - 2] = 3;
        types[vocab - 1] = 3;
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string("llama"));
        meta.put("general.name", GgufValue.string("precis-tiny-llama"));
        meta.put("llama.block_count", GgufValue.uint32(BLOCKS));
        meta.put("llama.context_length", GgufValue.uint32(512));
        meta.put("llama.embedding_length", GgufValue.uint32(WIDTH));
        meta.put("llama.feed_forward_length", GgufValue.uint32(FF));
        meta.put("llama.attention.head_count", GgufValue.uint32(HEADS));
        meta.put("llama.attention.head_count_kv", GgufValue.uint32(KV_HEADS));
        meta.put("llama.rope.freq_base", GgufValue.float32(10000f));
        meta.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f));
        meta.put("llama.vocab_size", GgufValue.uint32(vocab));
        meta.put("llama.rope.dimension_count", GgufValue.uint32(WIDTH / HEADS));
        meta.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        meta.put("tokenizer.ggml.pre", GgufValue.string("smollm"));
        meta.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        meta.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
        meta.put("tokenizer.ggml.merges", GgufValue.strings(MERGES));
        meta.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(vocab - 2));
        meta.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(vocab - 2));
        meta.put("tokenizer.ggml.add_bos_token", GgufValue.bool(false));

        SplittableRandom rng = new SplittableRandom(seed);
        List<GgufWriter.Tensor> ts = new ArrayList<>();
        ts.add(matrix("token_embd.weight", WIDTH, vocab, GgmlType.Q8_0, 0.5f, rng));
        int kv = WIDTH / HEADS * KV_HEADS;
        for (int i = 0; i < BLOCKS; i++) {
            String p = "blk." + i + ".";
            ts.add(norm(p + "attn_norm.weight", WIDTH, rng));
            ts.add(matrix(p + "attn_q.weight", WIDTH, WIDTH, GgmlType.Q4_K, 0.08f, rng));
            ts.add(matrix(p + "attn_k.weight", WIDTH, kv, GgmlType.Q4_K, 0.08f, rng));
            ts.add(matrix(p + "attn_v.weight", WIDTH, kv, GgmlType.Q5_0, 0.08f, rng));
            ts.add(matrix(p + "attn_output.weight", WIDTH, WIDTH, GgmlType.Q4_1, 0.06f, rng));
            ts.add(norm(p + "ffn_norm.weight", WIDTH, rng));
            ts.add(matrix(p + "ffn_gate.weight", WIDTH, FF, GgmlType.Q4_1, 0.06f, rng));
            ts.add(matrix(p + "ffn_up.weight", WIDTH, FF, GgmlType.Q4_1, 0.06f, rng));
            ts.add(matrix(p + "ffn_down.weight", FF, WIDTH, GgmlType.Q6_K, 0.04f, rng));
        }
        ts.add(norm("output_norm.weight", WIDTH, rng));
        if (!tied) ts.add(matrix("output.weight", WIDTH, vocab, GgmlType.Q8_0, 0.1f, rng));
        GgufWriter.write(target, meta, ts, GgufFile.DEFAULT_ALIGNMENT);
        return target;
    }

    private static GgufWriter.Tensor matrix(String name, int ne0, int ne1, GgmlType type, float scale, SplittableRandom rng) {
        float[] v = new float[ne0 * ne1];
        for (int i = 0; i < v.length; i++) v[i] = (float) (gaussian(rng) * scale);
        return GgufWriter.Tensor.quantized(name, new long[] {ne0, ne1}, type, () -> v);
    }

    private static GgufWriter.Tensor norm(String name, int n, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.1 * gaussian(rng));
        return GgufWriter.Tensor.quantized(name, new long[] {n}, GgmlType.F32, () -> v);
    }

    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    /** GPT-2's byte-to-symbol map: printable bytes stand for themselves, the rest for U+0100 onwards. */
    public static String byteToken(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return String.valueOf((char) b);
        int n = 0;
        for (int c = 0; c < b; c++) if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) n++;
        return String.valueOf((char) (256 + n));
    }
}
