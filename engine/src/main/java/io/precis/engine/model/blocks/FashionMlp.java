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
import io.precis.engine.model.djl.InputCapture;
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
    public NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect) {
        return runStages(ps, x, from, collect, false);
    }

    @Override
    public void capture(ParameterStore ps, NDArray x, InputCapture capture) {
        x = x.reshape(x.getShape().get(0), -1);
        capture.offer(x, "fc1");
        if (capture.complete()) return;
        x = Activation.relu(fc1.forward(ps, new NDList(x), false).singletonOrThrow());
        capture.offer(x, "fc2");
        if (capture.complete()) return;
        x = Activation.relu(fc2.forward(ps, new NDList(x), false).singletonOrThrow());
        capture.offer(x, "head");
    }

    private NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, boolean training) {
        if (from <= 0) {
            x = x.reshape(x.getShape().get(0), -1);
            x = Activation.relu(fc1.forward(ps, new NDList(x), training).singletonOrThrow());
            if (collect != null) collect.add(x);
        }
        if (from <= 1) {
            x = Activation.relu(fc2.forward(ps, new NDList(x), training).singletonOrThrow());
            if (collect != null) collect.add(x);
        }
        return head.forward(ps, new NDList(x), training).singletonOrThrow();
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
