package io.precis.engine.lab;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/**
 * Trains one {@link LabCell}: fixed seed, the first D tokens of the training stream, each read once: they are cut
 * into {@code batch} lanes and step s, row r reads window s of lane r (token {@code (r·steps + s)·context}), so a
 * batch holds text from {@code batch} places of the stream rather than one stretch of one document, Adam with gradient clipping at 1, linear warm-up then
 * cosine decay to a tenth over the cell's own steps. The PyTorch engine runs it on its default device (a GPU when
 * there is one); on the CPU, {@link ScalingLab} runs one process per core with one thread each ({@link #cpuThreads}),
 * since only one gradient collector can be live in a JVM.
 */
public final class LabTrainer {
    private LabTrainer() {}

    /** Called every few steps: the step reached (1-based), the cell's steps, the mean training loss since the last call. */
    public interface Progress {
        void step(int step, int steps, double loss);
    }

    /**
     * Sets libtorch's intra-op threads when the engine runs on the CPU and returns the count it had (-1 on a GPU:
     * nothing changed). The lab runs one thread per process and one process per core: its ops are small (rows of
     * 16..96 weights), so threads inside an op gain little, and libtorch's OpenMP threads spin while they wait, which
     * on a loaded 2-core machine cost about 18x the CPU per step of one thread (measured by {@code make bench-train}).
     */
    public static int cpuThreads(int threads) {
        Engine engine = Engine.getEngine("PyTorch");
        if (engine.getGpuCount() > 0) return -1;
        int before = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        return before;
    }

    /** Builds the cell's model with initialized, untrained weights (seeded). The caller closes it. */
    public static ai.djl.Model newModel(LabCell cell) {
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) cell.seed());
        Device device = engine.defaultDevice();
        ai.djl.Model m = ai.djl.Model.newInstance(cell.id(), device, "PyTorch");
        m.setBlock(new LabLm(cell.size(), cell.context(), cell.precision()));
        return m;
    }

    /** Trains the cell in a new model; the caller closes it. */
    public static ai.djl.Model train(LabCell cell, LabCorpus corpus, Progress progress) {
        long need = cell.trainedTokens() + 1;
        if (need > corpus.train().length)
            throw new IllegalArgumentException("cell " + cell.id() + " needs " + need + " training tokens; the corpus has " + corpus.train().length
                    + " (no token is trained on twice within a run)");
        ai.djl.Model m = newModel(cell);
        int steps = cell.steps();
        Tracker lr = Tracker.warmUp().optWarmUpBeginValue(cell.lr() / 100).optWarmUpSteps(cell.warmup())
                .setMainTracker(Tracker.cosine().setBaseValue(cell.lr()).optFinalValue(cell.lr() / 10)
                        .setMaxUpdates(Math.max(1, steps - cell.warmup())).build())
                .build();
        Loss loss = Loss.softmaxCrossEntropyLoss();
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(loss)
                .optInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).optClipGrad(1f).build())
                .optDevices(new Device[] {m.getNDManager().getDevice()});
        int b = cell.batch(), t = cell.context();
        int every = Math.max(1, Math.min(50, steps / 20));
        try (Trainer tr = m.newTrainer(cfg)) {
            tr.initialize(new Shape(b, t));
            double running = 0;
            int since = 0;
            for (int s = 0; s < steps; s++) {
                long[][] x = new long[b][t];
                float[] y = new float[b * t];
                for (int r = 0; r < b; r++) {
                    long off = ((long) r * steps + s) * t;
                    for (int k = 0; k < t; k++) {
                        x[r][k] = corpus.trainToken(off + k);
                        y[r * t + k] = corpus.trainToken(off + k + 1);
                    }
                }
                try (NDManager bm = m.getNDManager().newSubManager()) {
                    running += step(tr, loss, bm.create(x), bm.create(y));
                    since++;
                }
                if (progress != null && ((s + 1) % every == 0 || s + 1 == steps)) {
                    progress.step(s + 1, steps, running / since);
                    running = 0;
                    since = 0;
                }
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** One update. The loss array stays referenced until after backward (autograd needs it alive). */
    private static double step(Trainer t, Loss loss, NDArray x, NDArray y) {
        double value;
        try (GradientCollector gc = t.newGradientCollector()) {
            NDArray pred = t.forward(new NDList(x)).singletonOrThrow();
            pred = pred.reshape(-1, pred.getShape().get(2));
            NDArray l = loss.evaluate(new NDList(y), new NDList(pred));
            gc.backward(l);
            value = l.getFloat();
        }
        t.step();
        return value;
    }
}
