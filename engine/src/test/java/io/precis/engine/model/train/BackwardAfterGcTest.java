package io.precis.engine.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.ndarray.types.DataType;
import io.precis.engine.model.blocks.CharTransformer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cause of the SIGSEGV in backward during char-LM training (an hs_err log from `make models-train`):
 * DJL's PyTorch engine wraps a CPU array made from Java data around the Java direct buffer without a copy
 * (torch::from_blob) and only the NDArray object keeps that buffer alive. A temporary such array closed
 * during forward while the autograd graph still holds its tensor (as `x.div(number)` did for the attention
 * scale: DivBackward keeps the divisor) leaves backward reading freed memory once the GC runs: wrong
 * gradients, or a crash when the memory is unmapped. Here a full GC (and fresh direct buffers that may take
 * the freed memory) falls between forward and backward; the gradients must be those of a run without it.
 */
class BackwardAfterGcTest {

    @Test
    void gradientsDoNotDependOnAGcBetweenForwardAndBackward() throws InterruptedException {
        float[] calm = gradients(false);
        float[] afterGc = gradients(true);
        assertArrayEquals(calm, afterGc, 0f);
    }

    private static float[] gradients(boolean gcBeforeBackward) throws InterruptedException {
        Engine.getEngine("PyTorch").setRandomSeed(5);
        try (Model m = Model.newInstance("gc-probe", Device.cpu(), "PyTorch")) {
            CharTransformer block = new CharTransformer(7, 8, 16, 2, 1);
            block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
            m.setBlock(block);
            block.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(2, 8));
            ParameterStore ps = new ParameterStore(m.getNDManager(), false);
            try (NDManager bm = m.getNDManager().newSubManager();
                 GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray ids = bm.create(new long[][] {{1, 2, 3, 4, 5, 6, 0, 1}, {6, 5, 4, 3, 2, 1, 0, 6}});
                NDArray logits = block.forward(ps, new NDList(ids), true).singletonOrThrow();
                NDArray loss = logits.square().mean();
                if (gcBeforeBackward) {
                    List<ByteBuffer> keep = new ArrayList<>();
                    for (int round = 0; round < 3; round++) {
                        System.gc();
                        Thread.sleep(50);
                        for (int i = 0; i < 2000; i++) {
                            ByteBuffer b = ByteBuffer.allocateDirect(8);
                            b.putDouble(0, 1e30);                 // whatever takes freed memory reads as 1e30
                            keep.add(b);
                        }
                    }
                }
                gc.backward(loss);
                List<Float> all = new ArrayList<>();
                for (var p : block.getParameters()) {
                    for (float g : p.getValue().getArray().getGradient().toFloatArray()) {
                        all.add(g);
                    }
                }
                float[] out = new float[all.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = all.get(i);
                }
                return out;
            }
        }
    }
}
