package io.precis.engine.model.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.precis.engine.data.CharTokenizer;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.model.blocks.CharTransformer;
import io.precis.engine.model.blocks.FashionMlp;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Trains the small models shipped with Precis, reproducibly: fixed seeds, the PyTorch engine on the CPU,
 * one data order per seed. The same call gives the same weights bit for bit on the same machine.
 */
public final class Training {
    private Training() {}

    /** Seeds libtorch and DJL; call before building a block. */
    public static void seed(long seed) {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
    }

    /** An MLP on Fashion-MNIST images; returns the trained DJL model (caller closes it). */
    public static ai.djl.Model fashionMlp(ImageSet train, int epochs, int batch, long seed) {
        seed(seed);
        ai.djl.Model m = ai.djl.Model.newInstance("fashion-mlp", Device.cpu(), "PyTorch");
        m.setBlock(new FashionMlp(256, 128, 10));
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optInitializer(new XavierInitializer(), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
        int p = train.pixelsPerImage();
        try (Trainer t = m.newTrainer(cfg)) {
            t.initialize(new Shape(batch, train.channels(), train.height(), train.width()));
            for (int e = 0; e < epochs; e++) {
                int[] order = Datasets.permutation(train.size(), seed * 1000 + e);
                for (int i = 0; i + batch <= order.length; i += batch) {
                    float[] x = new float[batch * p];
                    float[] y = new float[batch];
                    for (int j = 0; j < batch; j++) {
                        System.arraycopy(train.pixels(), order[i + j] * p, x, j * p, p);
                        y[j] = train.labels()[order[i + j]];
                    }
                    try (NDManager bm = m.getNDManager().newSubManager()) {
                        NDArray xs = bm.create(FloatBuffer.wrap(x), new Shape(batch, train.channels(), train.height(), train.width()));
                        NDArray ys = bm.create(y);
                        step(t, cfg.getLossFunction(), xs, ys);
                    }
                }
            }
        }
        return m;
    }

    /** A character transformer on a text; returns the trained DJL model. Loss per step is printed every 250 steps. */
    public static ai.djl.Model charTransformer(String text, CharTokenizer tok, int context, int width, int heads, int depth,
                                               int steps, int batch, float lr, long seed) {
        seed(seed);
        ai.djl.Model m = ai.djl.Model.newInstance("char-transformer", Device.cpu(), "PyTorch");
        Block block = new CharTransformer(tok.vocabularySize(), context, width, heads, depth);
        m.setBlock(block);
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build());
        long[] ids = tok.encode(text);
        SplittableRandom r = new SplittableRandom(seed);
        try (Trainer t = m.newTrainer(cfg)) {
            t.initialize(new Shape(batch, context));
            double running = 0;
            for (int s = 1; s <= steps; s++) {
                long[][] x = new long[batch][context];
                float[] y = new float[batch * context];
                for (int j = 0; j < batch; j++) {
                    int off = r.nextInt(ids.length - context - 1);
                    System.arraycopy(ids, off, x[j], 0, context);
                    for (int k = 0; k < context; k++) y[j * context + k] = ids[off + k + 1];
                }
                try (NDManager bm = m.getNDManager().newSubManager()) {
                    NDArray xs = bm.create(x);
                    NDArray ys = bm.create(y);
                    running += step(t, cfg.getLossFunction(), xs, ys);
                }
                if (s % 250 == 0) {
                    System.out.printf(java.util.Locale.ROOT, "step %d  train loss %.4f%n", s, running / 250);
                    running = 0;
                }
            }
        }
        return m;
    }

    private static double step(Trainer t, Loss loss, NDArray x, NDArray y) {
        double value;
        try (GradientCollector gc = t.newGradientCollector()) {
            NDArray pred = t.forward(new NDList(x)).singletonOrThrow();
            if (pred.getShape().dimension() == 3) pred = pred.reshape(-1, pred.getShape().get(2));
            NDArray l = loss.evaluate(new NDList(y), new NDList(pred));
            value = l.getFloat();
            gc.backward(l);
        }
        t.step();
        return value;
    }
}
