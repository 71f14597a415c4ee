package io.precis.engine.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.precis.engine.model.djl.LayerInputs;
import io.precis.engine.model.djl.StagedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * A small GPT-style character language model: token and position tables, pre-norm transformer blocks with
 * causal self-attention, a final norm and a head. Input token ids [b, t] (t &le; context), output logits
 * [b, t, vocab]. Norms run over the feature axis only, so no position sees statistics of later ones.
 * Stages: the tables, each block, then the final norm and head; an analysis of block k's layers starts there.
 */
public final class CharTransformer extends AbstractBlock implements StagedBlock {
    private final int vocab, context, width, heads;
    private final Table embed;
    private final Table position;
    private final List<Layer> blocks = new ArrayList<>();
    private final LayerNorm lnF;
    private final Linear head;

    public CharTransformer(int vocab, int context, int width, int heads, int depth) {
        super((byte) 1);
        if (width % heads != 0) throw new IllegalArgumentException("width " + width + " is not a multiple of heads " + heads);
        this.vocab = vocab;
        this.context = context;
        this.width = width;
        this.heads = heads;
        embed = addChildBlock("embed", new Table(vocab, width));
        position = addChildBlock("position", new Table(context, width));
        for (int i = 0; i < depth; i++) blocks.add(addChildBlock("blocks." + i, new Layer(width, heads, "blocks." + i + ".")));
        lnF = addChildBlock("ln_f", LayerNorm.builder().axis(2).build());
        head = addChildBlock("head", Linear.builder().setUnits(vocab).build());
    }

    public int context() { return context; }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(runStages(ps, inputs.singletonOrThrow(), 0, null, training));
    }

    @Override
    public int stages() {
        return blocks.size() + 2;
    }

    @Override
    public int stageOf(String layerName) {
        if (layerName.equals("embed") || layerName.equals("position")) return 0;
        if (layerName.startsWith("blocks.")) {
            String rest = layerName.substring("blocks.".length());
            int dot = rest.indexOf('.');
            return Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)) + 1;
        }
        return blocks.size() + 1;
    }

    @Override
    public NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, LayerInputs inputs) {
        return run(ps, x, from, collect, false, inputs);
    }

    private NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, boolean training) {
        return run(ps, x, from, collect, training, null);
    }

    /** With {@code inputs}: offers each linear layer's input (and multiplies what comes back); null once it is complete. */
    private NDArray run(ParameterStore ps, NDArray x, int from, List<NDArray> collect, boolean training, LayerInputs inputs) {
        if (from <= 0) {
            NDArray ids = x;
            long t = ids.getShape().get(1);
            if (t > context) throw new IllegalArgumentException("sequence of " + t + " tokens is longer than the context " + context);
            NDArray oneHot = ids.toType(DataType.INT64, false).oneHot(vocab);
            x = oneHot.matMul(ps.getValue(embed.weight, ids.getDevice(), training));
            NDArray pos = ps.getValue(position.weight, ids.getDevice(), training).get("0:" + t);
            x = x.add(pos);
            if (collect != null) collect.add(x);
        }
        NDArray mask = causalMask(x.getManager(), (int) x.getShape().get(1));
        for (int i = Math.max(0, from - 1); i < blocks.size(); i++) {
            if (inputs != null && inputs.complete()) return null;
            x = blocks.get(i).run(ps, x, mask, training, inputs);
            if (collect != null) collect.add(x);
        }
        if (inputs != null && inputs.complete()) return null;
        x = lnF.forward(ps, new NDList(x), training).singletonOrThrow();
        x = offer(inputs, x, "head");
        if (inputs != null && inputs.complete()) return null;
        return head.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static NDArray offer(LayerInputs inputs, NDArray x, String layer) {
        return inputs == null ? x : inputs.offer(x, layer)[0];
    }

    private static NDArray causalMask(NDManager m, int t) {
        float[] v = new float[t * t];
        for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) v[i * t + j] = -1e9f;
        return m.create(v, new Shape(t, t));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0), t = inputShapes[0].get(1);
        Shape x = new Shape(b, t, width);
        embed.initialize(manager, dataType, inputShapes[0]);
        position.initialize(manager, dataType, inputShapes[0]);
        for (Layer l : blocks) l.initialize(manager, dataType, x);
        lnF.initialize(manager, dataType, x);
        head.initialize(manager, dataType, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), vocab)};
    }

    /** A learned table [rows, width]: token embeddings or positions. */
    static final class Table extends AbstractBlock {
        final Parameter weight;

        Table(int rows, int width) {
            super((byte) 1);
            weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(rows, width)).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("used through its weight");
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Pre-norm block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    final class Layer extends AbstractBlock {
        final LayerNorm ln1, ln2;
        final Attention attn;
        final Mlp mlp;
        final String path;

        Layer(int width, int heads, String path) {
            super((byte) 1);
            this.path = path;
            ln1 = addChildBlock("ln1", LayerNorm.builder().axis(2).build());
            attn = addChildBlock("attn", new Attention(width, heads));
            ln2 = addChildBlock("ln2", LayerNorm.builder().axis(2).build());
            mlp = addChildBlock("mlp", new Mlp(width));
        }

        NDArray run(ParameterStore ps, NDArray x, NDArray mask, boolean training, LayerInputs inputs) {
            NDArray h = ln1.forward(ps, new NDList(x), training).singletonOrThrow();
            x = x.add(attn.run(ps, h, mask, training, inputs, path + "attn."));
            h = ln2.forward(ps, new NDList(x), training).singletonOrThrow();
            return x.add(mlp.run(ps, h, training, inputs, path + "mlp."));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            NDArray x = in.singletonOrThrow();
            return new NDList(run(ps, x, causalMask(x.getManager(), (int) x.getShape().get(1)), training, null));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
            ln1.initialize(manager, dataType, shapes);
            attn.initialize(manager, dataType, shapes);
            ln2.initialize(manager, dataType, shapes);
            mlp.initialize(manager, dataType, shapes);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Causal multi-head self-attention with one fused qkv projection. */
    final class Attention extends AbstractBlock {
        final Linear qkv, proj;

        Attention(int width, int heads) {
            super((byte) 1);
            qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * width).build());
            proj = addChildBlock("proj", Linear.builder().setUnits(width).build());
        }

        NDArray run(ParameterStore ps, NDArray x, NDArray mask, boolean training, LayerInputs inputs, String path) {
            NDArray in = offer(inputs, x, path + "qkv");
            long b = x.getShape().get(0), t = x.getShape().get(1);
            long dh = width / heads;
            NDList parts = qkv.forward(ps, new NDList(in), training).singletonOrThrow().split(3, 2);
            NDArray q = parts.get(0).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
            NDArray k = parts.get(1).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
            NDArray v = parts.get(2).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
            // Not div(Number): DJL makes that divisor from a Java buffer without copying and closes it at once,
            // but autograd keeps it for backward, which then reads freed memory after a GC (NaN gradients, or
            // the SIGSEGV in backward seen training char-lm). Here it lives as long as the input's manager.
            NDArray divisor = x.getManager().create(Math.sqrt(dh));
            NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).div(divisor).add(mask).softmax(-1);
            NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, width);
            y = offer(inputs, y, path + "proj");
            return proj.forward(ps, new NDList(y), training).singletonOrThrow();
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            NDArray x = in.singletonOrThrow();
            return new NDList(run(ps, x, causalMask(x.getManager(), (int) x.getShape().get(1)), training, null, ""));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
            qkv.initialize(manager, dataType, shapes);
            proj.initialize(manager, dataType, shapes);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** Two linear layers with GELU between, 4x wide. */
    final class Mlp extends AbstractBlock {
        final Linear fc1, fc2;

        Mlp(int width) {
            super((byte) 1);
            fc1 = addChildBlock("fc1", Linear.builder().setUnits(4L * width).build());
            fc2 = addChildBlock("fc2", Linear.builder().setUnits(width).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            return new NDList(run(ps, in.singletonOrThrow(), training, null, ""));
        }

        NDArray run(ParameterStore ps, NDArray x, boolean training, LayerInputs inputs, String path) {
            x = offer(inputs, x, path + "fc1");
            NDArray h = Activation.gelu(fc1.forward(ps, new NDList(x), training).singletonOrThrow());
            h = offer(inputs, h, path + "fc2");
            return fc2.forward(ps, new NDList(h), training).singletonOrThrow();
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
            fc1.initialize(manager, dataType, shapes);
            Shape s = fc1.getOutputShapes(shapes)[0];
            fc2.initialize(manager, dataType, s);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
