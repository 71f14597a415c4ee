package io.precis.engine.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.precis.engine.model.djl.LayerInputs;
import io.precis.engine.model.gguf.LlamaBlock;
import io.precis.engine.model.gguf.LlamaConfig;
import io.precis.engine.quant.Quantizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trainable byte-level Llama: its parameters (GGUF names and layouts) belong to this block, so DJL's trainer
 * initializes and updates them; each forward pass hands {@link LlamaBlock} the view of the weights the training
 * precision asks for. Evaluation ({@code training == false}) always reads the latent fp32 weights, so that
 * post-training quantization starts from the same place for every training precision.
 */
public final class LabLm extends AbstractBlock {
    private final LabSize size;
    private final LlamaConfig config;
    private final TrainPrecision precision;
    private final Map<String, Parameter> own = new LinkedHashMap<>();

    public LabLm(LabSize size, int context, TrainPrecision precision) {
        super((byte) 1);
        this.size = size;
        this.config = size.config(context);
        this.precision = precision;
        int w = size.width(), ff = size.ff();
        add("token_embd.weight", Parameter.Type.WEIGHT, LabSize.VOCAB, w);
        for (int i = 0; i < size.blocks(); i++) {
            String b = "blk." + i + ".";
            add(b + "attn_norm.weight", Parameter.Type.GAMMA, w);
            for (String m : new String[] {"attn_q", "attn_k", "attn_v", "attn_output"}) add(b + m + ".weight", Parameter.Type.WEIGHT, w, w);
            add(b + "ffn_norm.weight", Parameter.Type.GAMMA, w);
            add(b + "ffn_gate.weight", Parameter.Type.WEIGHT, ff, w);
            add(b + "ffn_up.weight", Parameter.Type.WEIGHT, ff, w);
            add(b + "ffn_down.weight", Parameter.Type.WEIGHT, w, ff);
        }
        add("output_norm.weight", Parameter.Type.GAMMA, w);
    }

    private void add(String name, Parameter.Type type, long... shape) {
        own.put(name, addParameter(Parameter.builder().setName(name).setType(type).optShape(new Shape(shape)).build()));
    }

    public LabSize size() { return size; }

    public TrainPrecision precision() { return precision; }

    /** The parameters by GGUF name (live: quantizing their arrays in place changes the model). */
    public Map<String, Parameter> named() {
        return own;
    }

    /** The weights post-training quantization acts on: the matrices of attention and MLP (not the token table, not norms). */
    public static boolean isLinear(String name) {
        return name.startsWith("blk.") && !name.contains("_norm") && name.endsWith(".weight");
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> pl) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(LlamaBlock.over(config, view(ps, x, training), null).runStages(ps, x, 0, null));
    }

    /**
     * An evaluation pass over token ids {@code x} [b, t] that offers each attention and MLP matrix's input to
     * {@code capture} (GPTQ's calibration), stopping once it has all it wants.
     */
    public void capture(ParameterStore ps, NDArray x, LayerInputs capture) {
        LlamaBlock.over(config, view(ps, x, false), null).runStages(ps, x, 0, null, capture);
    }

    private Map<String, Parameter> view(ParameterStore ps, NDArray x, boolean training) {
        Map<String, Parameter> view = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : own.entrySet()) {
            NDArray w = ps.getValue(e.getValue(), x.getDevice(), training);
            if (training && isLinear(e.getKey())) w = trainView(w, x.getManager());
            Parameter p = Parameter.builder().setName(e.getKey()).setType(e.getValue().getType()).build();
            p.setArray(w);
            view.put(e.getKey(), p);
        }
        return view;
    }

    /**
     * The weight as the training precision sees it; its gradient flows to the latent weight unchanged (straight
     * through). Every array made here is attached to the batch's manager {@code m}: an op on {@code w} would
     * otherwise land in the model's manager and live (and leak) as long as the model.
     */
    private NDArray trainView(NDArray w, NDManager m) {
        if (!precision.rounds()) return w;
        Shape s = w.getShape();
        float[] q = Quantizer.standard().fakeQuantize(precision.format(), w.toFloatArray(), (int) s.get(0), (int) s.get(1));
        NDArray step = m.create(q, s).sub(w).stopGradient();
        NDArray r = w.add(step);
        r.attach(m);
        return r;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), LabSize.VOCAB)};
    }
}
