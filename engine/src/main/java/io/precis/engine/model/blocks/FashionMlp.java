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

/** A small image classifier: flatten, two hidden layers with ReLU, a 10-way head. Input [n, c, h, w]. */
public final class FashionMlp extends AbstractBlock {
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
        NDArray x = inputs.singletonOrThrow();
        x = x.reshape(x.getShape().get(0), -1);
        x = Activation.relu(fc1.forward(ps, new NDList(x), training).singletonOrThrow());
        x = Activation.relu(fc2.forward(ps, new NDList(x), training).singletonOrThrow());
        return head.forward(ps, new NDList(x), training);
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
