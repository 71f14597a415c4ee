package io.precis.engine.analysis;

import io.precis.engine.calib.Calibration;
import io.precis.engine.calib.LayerStats;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sensitivity estimated without a forward pass per layer and format.
 *
 * <p><b>Fisher</b> ({@link SensitivityMetric#FISHER}): the second-order Taylor expansion of the mean loss around
 * the trained weights, ΔL ≈ gᵀΔw + ½·ΔwᵀHΔw, with the first-order term dropped (the full-data gradient of a trained
 * model is near zero) and the Hessian replaced by the diagonal of the empirical Fisher F = (1/N)·Σᵢ gᵢ² (gᵢ the
 * gradient of sample i's loss): score = ½·Σ F·Δw², Δw = q(w) − w for the format, as a swap would quantize. The
 * samples are the analysis's (sentences, images, windows); they run in about 16 backward passes ({@link #fisherBatch}),
 * and a pass of n samples contributes n²·g², g its mean gradient: exactly Σ gᵢ² for n = 1, and the same in
 * expectation for larger n when the samples' gradients average out (their cross terms cancel). So the cost is
 * N/batch forward+backward passes for every layer and format, against one forward pass over all N samples per
 * layer and format for the measured table.
 *
 * <p><b>Hessian</b> ({@link SensitivityMetric#HESSIAN}), for back-ends without gradients (ONNX Runtime): each
 * linear layer's inputs X on the data, captured in one forward pass for all layers ({@link Calibration#capture}),
 * give H = 2/n·XᵀX, and score = ½·tr(ΔW·H·ΔWᵀ) = the mean over input rows of ‖ΔW·x‖², the squared error the
 * quantized weight adds to the layer's output (GPTQ's objective). It ignores what follows the layer, so it ranks
 * layers by their local damage, in no model-level unit.
 */
public final class ProxySensitivity {
    /** Backward passes the Fisher estimate aims at (fewer when there are fewer samples). */
    public static final int FISHER_PASSES = 16;
    /** At most this many samples per backward pass (autograd keeps every activation of the pass). */
    public static final int MAX_FISHER_BATCH = 32;

    /** Samples per backward pass for {@code samples} samples: about {@link #FISHER_PASSES} passes, at most {@link #MAX_FISHER_BATCH} each. */
    public static int fisherBatch(int samples) {
        return Math.max(1, Math.min(MAX_FISHER_BATCH, (samples + FISHER_PASSES - 1) / FISHER_PASSES));
    }

    /** The last Fisher diagonal and Hessian statistics, by model, data and sample choice (one each: they are large). */
    private static final Map<String, Map<String, double[]>> FISHER = lru();
    private static final Map<String, Map<String, LayerStats>> HESSIAN = lru();

    private ProxySensitivity() {}

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> e) {
                return size() > 1;
            }
        };
    }

    /**
     * The empirical Fisher diagonal of every float32 tensor: (1/N)·Σ over passes of n²·g², each pass a backward
     * pass over {@code n} samples of {@code batches} with their {@code targets} (one per output vector, in order).
     *
     * @param checkpoint called before each pass (interrupts)
     */
    public static Map<String, double[]> fisherDiagonal(Model model, List<ModelInput> batches, int[] targets, Runnable checkpoint) {
        int samples = batches.stream().mapToInt(ModelInput::size).sum();
        if (targets == null) throw new IllegalArgumentException(model.name() + " gives embeddings, which have no loss to take a gradient of;"
                + " the Fisher estimate needs labels or next tokens (use 'hessian')");
        if (samples == 0 || targets.length % samples != 0)
            throw new IllegalArgumentException(targets.length + " targets for " + samples + " samples");
        int per = targets.length / samples;
        Map<String, double[]> f = new LinkedHashMap<>();
        int at = 0;
        for (ModelInput in : batches) {
            if (checkpoint != null) checkpoint.run();
            int n = in.size();
            int[] own = java.util.Arrays.copyOfRange(targets, at * per, (at + n) * per);
            Map<String, float[]> g;
            try {
                g = model.atFullPrecision(() -> model.lossGradients(in, own));
            } catch (UnsupportedOperationException e) {
                throw new IllegalArgumentException(e.getMessage() + "; 'hessian' estimates sensitivity from each layer's inputs instead", e);
            }
            double w = (double) n * n / samples;
            g.forEach((name, grad) -> {
                double[] acc = f.computeIfAbsent(name, k -> new double[grad.length]);
                for (int i = 0; i < grad.length; i++) acc[i] += w * grad[i] * grad[i];
            });
            at += n;
        }
        return f;
    }

    /** ½·Σ F·(q(w) − w)² over the layer's weight tensors, each quantized as a swap would quantize it. */
    public static double fisherScore(Model model, Map<String, double[]> fisher, LayerRef layer, Format format) {
        double s = 0;
        for (TensorRef t : layer.weights()) {
            double[] f = fisher.get(t.name());
            if (f == null) throw new IllegalArgumentException("no gradient for " + t.name() + " (" + t.dtype() + ")");
            float[] w = model.fullPrecisionWeights(t);
            float[] q = quantized(w, t, format);
            for (int i = 0; i < w.length; i++) {
                double d = (double) q[i] - w[i];
                s += f[i] * d * d;
            }
        }
        return 0.5 * s;
    }

    /** ½·tr(ΔW·H·ΔWᵀ) for a linear layer, H = 2/n·XᵀX from its input statistics: the mean ‖ΔW·x‖² over input rows. */
    public static double hessianScore(Model model, LayerStats stats, LayerRef layer, Format format) {
        TensorRef t = linearWeight(layer);
        float[] w = model.fullPrecisionWeights(t);
        float[] q = quantized(w, t, format);
        for (int i = 0; i < q.length; i++) q[i] -= w[i];
        return quadratic(stats, layer, t, q);
    }

    /** ½·tr(W·H·Wᵀ): the mean ‖W·x‖² over input rows, the layer's output energy (what {@link #hessianScore} is relative to). */
    public static double hessianSignal(Model model, LayerStats stats, LayerRef layer) {
        TensorRef t = linearWeight(layer);
        return quadratic(stats, layer, t, model.fullPrecisionWeights(t));
    }

    private static TensorRef linearWeight(LayerRef layer) {
        TensorRef t = layer.weight();
        if (t.shape().length != 2) throw new IllegalArgumentException(layer.name() + " is not a linear layer; the Hessian proxy covers those");
        return t;
    }

    /** ½·Σ over outputs o of m_oᵀ·H·m_o, m_o the weights into output o (rows of [out, in], columns of [in, out]). */
    private static double quadratic(LayerStats stats, LayerRef layer, TensorRef t, float[] m) {
        int r = t.reductionAxis();
        int rows = Math.toIntExact(t.shape()[0]), cols = Math.toIntExact(t.shape()[1]);
        int d = r == 1 ? cols : rows, outputs = r == 1 ? rows : cols;
        if (d != stats.width()) throw new IllegalArgumentException(layer.name() + " reads " + d + " features, its statistics have " + stats.width());
        float[] h = stats.hessian();
        double[] delta = new double[d];
        double s = 0;
        for (int o = 0; o < outputs; o++) {
            for (int k = 0; k < d; k++) delta[k] = m[r == 1 ? o * cols + k : k * cols + o];
            for (int a = 0; a < d; a++) {
                if (delta[a] == 0) continue;
                double dot = 0;
                int row = a * d;
                for (int b = 0; b < d; b++) dot += h[row + b] * delta[b];
                s += delta[a] * dot;
            }
        }
        return 0.5 * s;
    }

    /** The Hessian statistics of the last {@link #scores} call for these layers (null when none are kept). */
    static Map<String, LayerStats> lastHessianStats() {
        synchronized (HESSIAN) {
            return HESSIAN.isEmpty() ? null : HESSIAN.values().iterator().next();
        }
    }

    private static float[] quantized(float[] w, TensorRef t, Format format) {
        float[] q = w.clone();
        long[] shape = t.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) dims[i] = Math.toIntExact(shape[i]);
        WeightTransform.fitted(format, t).fakeQuantize(q, dims.length == 0 ? new int[] {q.length} : dims);
        return q;
    }

    /**
     * The estimate of each of {@code layers} at {@code format}, the gradients or statistics computed once per model,
     * data and sample choice (kept for the next format).
     */
    static Map<LayerRef, Double> scores(SensitivityMetric metric, Model model, Evaluator evaluator, int fisherBatch, List<LayerRef> layers,
                                        Format format, Runnable checkpoint) {
        String key = model.modelHash() + "|" + model.device() + "|" + evaluator.data().hash() + "|" + evaluator.samples() + "|" + evaluator.seed();
        Map<LayerRef, Double> out = new LinkedHashMap<>();
        switch (metric) {
            case FISHER -> {
                Map<String, double[]> f;
                synchronized (FISHER) {
                    f = FISHER.get(key + "|" + fisherBatch);
                }
                if (f == null) {
                    Evaluator ev = new Evaluator(model, evaluator.data(), fisherBatch, evaluator.seed(), evaluator.samples());
                    f = fisherDiagonal(model, ev.inputs(), ev.targets(), checkpoint);
                    synchronized (FISHER) {
                        FISHER.put(key + "|" + fisherBatch, f);
                    }
                }
                for (LayerRef l : layers) out.put(l, fisherScore(model, f, l, format));
            }
            case HESSIAN -> {
                Map<String, LayerStats> stats;
                synchronized (HESSIAN) {
                    stats = HESSIAN.get(key);
                }
                if (stats == null || !stats.keySet().containsAll(layers.stream().map(LayerRef::name).toList())) {
                    for (LayerRef l : layers)
                        if (l.weights().size() != 1 || l.weight().shape().length != 2)
                            throw new IllegalArgumentException(l.name() + " is not a linear layer; the Hessian proxy covers linear layers only");
                    List<LayerRef> own = layers;
                    try {
                        stats = model.atFullPrecision(() -> Calibration.capture(model, evaluator.inputs(), own, true, checkpoint));
                    } catch (UnsupportedOperationException e) {
                        throw new IllegalArgumentException("the Hessian proxy needs each layer's inputs: " + e.getMessage(), e);
                    }
                    synchronized (HESSIAN) {
                        HESSIAN.put(key, stats);
                    }
                }
                for (LayerRef l : layers) out.put(l, hessianScore(model, stats.get(l.name()), l, format));
            }
            default -> throw new IllegalArgumentException(metric.keyword() + " is measured, not estimated");
        }
        return out;
    }
}
