package io.precis.engine.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.precis.engine.model.djl.LayerInputs;
import io.precis.engine.model.djl.StagedBlock;
import java.util.List;

/**
 * A small image classifier: flatten, two hidden layers with ReLU, a 10-way head. Input [n, c, h, w]. Three
 * stages (fc1, fc2, head), so an analysis of fc2 or the head can start from saved hidden activations.
 */
public final class FashionMlp extends AbstractBlock implements StagedBlock {
    private final Linear fc1;
    private final Linear fc2;
    private final Linear head;

    public FashionMlp(int hidden1, int hidden2, int classes) {
        super((byte) 1);
        fc1 = addChildBlock("fc1", Linear.builder().setUnits(hidden1).build());
        fc2 = addChildBlock("fc2", Linear.builder().setUnits(hidden2).build());
        head = addChildBlock("head", Linear.builder().setUnits(classes).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(runStages(ps, inputs.singletonOrThrow(), 0, null, training));
    }

    @Override
    public int stages() {
        return 3;
    }

    @Override
    public int stageOf(String layerName) {
        return switch (layerName) {
            case "fc1" -> 0;
            case "fc2" -> 1;
            default -> 2;
        };
    }

    @Override
    public NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, LayerInputs inputs) {
        return run(ps, x, from, collect, false, inputs);
    }

    private NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, boolean training) {
        return run(ps, x, from, collect, training, null);
    }

    /** With {@code inputs}: offers each layer's input (and multiplies what comes back); null once it is complete. */
    private NDArray run(ParameterStore ps, NDArray x, int from, List<NDArray> collect, boolean training, LayerInputs inputs) {
        if (from <= 0) {
            x = offer(inputs, x.reshape(x.getShape().get(0), -1), "fc1");
            if (inputs != null && inputs.complete()) return null;
            x = Activation.relu(fc1.forward(ps, new NDList(x), training).singletonOrThrow());
            if (collect != null) collect.add(x);
        }
        if (from <= 1) {
            x = offer(inputs, x, "fc2");
            if (inputs != null && inputs.complete()) return null;
            x = Activation.relu(fc2.forward(ps, new NDList(x), training).singletonOrThrow());
            if (collect != null) collect.add(x);
        }
        x = offer(inputs, x, "head");
        if (inputs != null && inputs.complete()) return null;
        return head.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static NDArray offer(LayerInputs inputs, NDArray x, String layer) {
        return inputs == null ? x : inputs.offer(x, layer)[0];
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape flat = new Shape(inputShapes[0].get(0), inputShapes[0].size() / inputShapes[0].get(0));
        fc1.initialize(manager, dataType, flat);
        Shape s = fc1.getOutputShapes(new Shape[] {flat})[0];
        fc2.initialize(manager, dataType, s);
        s = fc2.getOutputShapes(new Shape[] {s})[0];
        head.initialize(manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape flat = new Shape(inputShapes[0].get(0), inputShapes[0].size() / inputShapes[0].get(0));
        return head.getOutputShapes(fc2.getOutputShapes(fc1.getOutputShapes(new Shape[] {flat})));
    }
}
