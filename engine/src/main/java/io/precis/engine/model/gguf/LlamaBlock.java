package io.precis.engine.model.gguf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.precis.engine.model.djl.LayerInputs;
import io.precis.engine.model.djl.StagedBlock;
import java.util.List;
import java.util.Map;

/**
 * The Llama-family forward pass in DJL operations (PyTorch runs it, on a GPU when the model is there): token
 * embedding, per block x + attn(rmsnorm(x)) then x + mlp(rmsnorm(x)) with rotary position embeddings, grouped-query
 * causal attention and a SwiGLU MLP, then the final RMSNorm and the output head (the token table when tied).
 * Parameters keep the GGUF's names and layouts ({@code blk.3.attn_q.weight} as [out, in]). Input: token ids [b, t];
 * output: logits [b, t, vocab]. Stages: the embedding, each block, the head.
 */
public final class LlamaBlock extends AbstractBlock implements StagedBlock {
    private final LlamaConfig c;
    private final Map<String, Parameter> params;
    private final float[] ropeFactors;

    /** {@code params} by GGUF tensor name, already holding their values; {@code ropeFactors} from rope_freqs, or null. */
    LlamaBlock(LlamaConfig config, Map<String, Parameter> params, float[] ropeFactors) {
        super((byte) 1);
        this.c = config;
        this.params = params;
        this.ropeFactors = ropeFactors;
    }

    /**
     * The same forward pass over weights held elsewhere (the scaling-law lab trains them, and hands in the
     * fake-quantized view of each step); names and layouts as a GGUF's, {@code ropeFactors} may be null.
     */
    public static LlamaBlock over(LlamaConfig config, Map<String, Parameter> params, float[] ropeFactors) {
        return new LlamaBlock(config, params, ropeFactors);
    }

    private NDArray p(String name) {
        return params.get(name).getArray();
    }

    private NDArray optional(String name) {
        Parameter p = params.get(name);
        return p == null ? null : p.getArray();
    }

    @Override
    public int stages() {
        return c.blocks() + 2;
    }

    @Override
    public int stageOf(String layer) {
        if (layer.startsWith("blk.")) {
            int dot = layer.indexOf('.', 4);
            return Integer.parseInt(layer.substring(4, dot < 0 ? layer.length() : dot)) + 1;
        }
        if (layer.equals("token_embd")) return 0;
        if (layer.equals("rope_freqs")) return 1;
        return c.blocks() + 1;
    }

    @Override
    public NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, LayerInputs inputs) {
        return run(x, from, collect, inputs);
    }

    /**
     * The stages from {@code from}; with {@code inputs}, each linear layer multiplies what offering its input hands
     * back, and the pass returns null as soon as {@code inputs} is complete.
     */
    private NDArray run(NDArray x, int from, List<NDArray> collect, LayerInputs inputs) {
        if (from <= 0) {
            NDArray ids = x.toType(DataType.INT64, false);
            x = Embedding.embedding(ids, p("token_embd.weight"), SparseFormat.DENSE).singletonOrThrow();
            if (collect != null) collect.add(x);
        }
        int t = (int) x.getShape().get(1);
        NDManager m = x.getManager();
        NDArray[] rope = rope(m, t);
        NDArray mask = causalMask(m, t);
        for (int i = Math.max(0, from - 1); i < c.blocks(); i++) {
            if (inputs != null && inputs.complete()) return null;
            // DJL frees an op's result only with its manager: a block's intermediates (about 2.5 MB a token in
            // SmolLM2's 30 blocks, attention scores included) would otherwise all live until the pass ends. Each
            // block runs in its own manager; only its output joins the pass's. Autograd keeps what backward needs.
            try (NDManager bm = m.newSubManager()) {
                x.tempAttach(bm);
                NDArray out = block(i, x, rope, mask, inputs);
                out.attach(m);
                x = out;
            }
            if (collect != null) collect.add(x);
        }
        if (inputs != null && inputs.complete()) return null;
        x = rmsNorm(x, p("output_norm.weight"));
        NDArray head = optional("output.weight");
        // a tied head is the token table, not a linear layer of its own
        if (inputs != null && head != null) x = inputs.offer(x, "output")[0];
        if (inputs != null && inputs.complete()) return null;
        return Linear.linear(x, head != null ? head : p("token_embd.weight")).singletonOrThrow();
    }

    private NDArray block(int i, NDArray x, NDArray[] rope, NDArray mask, LayerInputs inputs) {
        String b = "blk." + i + ".";
        long batch = x.getShape().get(0), t = x.getShape().get(1);
        int hd = c.headDim(), g = c.heads() / c.kvHeads();
        NDArray h = rmsNorm(x, p(b + "attn_norm.weight"));
        NDArray[] in = offer(inputs, h, b + "attn_q", b + "attn_k", b + "attn_v");
        NDArray q = linear(in[0], b + "attn_q").reshape(batch, t, c.heads(), hd).transpose(0, 2, 1, 3);
        NDArray k = linear(in[1], b + "attn_k").reshape(batch, t, c.kvHeads(), hd).transpose(0, 2, 1, 3);
        NDArray v = linear(in[2], b + "attn_v").reshape(batch, t, c.kvHeads(), hd).transpose(0, 2, 1, 3);
        q = applyRope(q, rope);
        k = applyRope(k, rope);
        // grouped-query attention: query head j reads key/value head j / g (llama.cpp's mapping); broadcast, no copies
        NDArray qg = q.reshape(batch, c.kvHeads(), g, t, hd);
        NDArray kg = k.reshape(batch, c.kvHeads(), 1, t, hd);
        NDArray vg = v.reshape(batch, c.kvHeads(), 1, t, hd);
        NDArray att = qg.matMul(kg.transpose(0, 1, 2, 4, 3)).mul(1.0 / Math.sqrt(hd)).add(mask).softmax(-1);
        NDArray y = att.matMul(vg).reshape(batch, c.heads(), t, hd).transpose(0, 2, 1, 3).reshape(batch, t, (long) c.heads() * hd);
        y = offer(inputs, y, b + "attn_output")[0];
        x = x.add(Linear.linear(y, p(b + "attn_output.weight")).singletonOrThrow());
        h = rmsNorm(x, p(b + "ffn_norm.weight"));
        in = offer(inputs, h, b + "ffn_gate", b + "ffn_up");
        NDArray gate = linear(in[0], b + "ffn_gate");
        NDArray up = linear(in[1], b + "ffn_up");
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
        act = offer(inputs, act, b + "ffn_down")[0];
        return x.add(Linear.linear(act, p(b + "ffn_down.weight")).singletonOrThrow());
    }

    private static NDArray[] offer(LayerInputs inputs, NDArray x, String... layers) {
        if (inputs != null) return inputs.offer(x, layers);
        NDArray[] same = new NDArray[layers.length];
        java.util.Arrays.fill(same, x);
        return same;
    }

    private NDArray linear(NDArray x, String layer) {
        NDArray bias = optional(layer + ".bias");
        return (bias == null ? Linear.linear(x, p(layer + ".weight")) : Linear.linear(x, p(layer + ".weight"), bias)).singletonOrThrow();
    }

    private NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray ms = x.square().mean(new int[] {-1}, true);
        return x.div(ms.add(c.eps()).sqrt()).mul(w);
    }

    /** cos and sin tables [t, headDim/2] for positions 0..t-1: angle p / scale * base^(-2i/d) / factor_i. */
    private NDArray[] rope(NDManager m, int t) {
        int half = c.headDim() / 2;
        float[] cos = new float[t * half], sin = new float[t * half];
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(c.ropeBase(), -2.0 * i / c.headDim());
            if (ropeFactors != null) freq /= ropeFactors[i];
            for (int pos = 0; pos < t; pos++) {
                double a = pos / (double) c.ropeScale() * freq;
                cos[pos * half + i] = (float) Math.cos(a);
                sin[pos * half + i] = (float) Math.sin(a);
            }
        }
        return new NDArray[] {m.create(cos, new Shape(t, half)), m.create(sin, new Shape(t, half))};
    }

    /** Rotates pairs: adjacent (2i, 2i+1) for llama's permuted rows, halves (i, i + d/2) for qwen2. */
    private NDArray applyRope(NDArray x, NDArray[] rope) {
        Shape s = x.getShape();
        int half = c.headDim() / 2;
        NDArray cos = rope[0], sin = rope[1];
        if (c.interleavedRope()) {
            NDArray pairs = x.reshape(s.get(0), s.get(1), s.get(2), half, 2);
            NDArray x0 = pairs.get("..., 0"), x1 = pairs.get("..., 1");
            NDArray r0 = x0.mul(cos).sub(x1.mul(sin)), r1 = x0.mul(sin).add(x1.mul(cos));
            return r0.expandDims(-1).concat(r1.expandDims(-1), -1).reshape(s);
        }
        NDArray x0 = x.get("..., 0:" + half), x1 = x.get("..., " + half + ":");
        return x0.mul(cos).sub(x1.mul(sin)).concat(x0.mul(sin).add(x1.mul(cos)), -1);
    }

    private static NDArray causalMask(NDManager m, int t) {
        float[] v = new float[t * t];
        for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) v[i * t + j] = Float.NEGATIVE_INFINITY;
        return m.create(v, new Shape(t, t));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> pl) {
        return new NDList(runStages(ps, inputs.singletonOrThrow(), 0, null));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long vocab = params.get("token_embd.weight").getArray().getShape().get(0);
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), vocab)};
    }
}
