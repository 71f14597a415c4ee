package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import io.precis.engine.calib.Calibration;
import io.precis.engine.calib.LayerStats;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.figure.Figure;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.metrics.Metrics;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.model.blocks.FashionMlp;
import io.precis.engine.model.djl.BlockBackend;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gradient-free and gradient-based sensitivity estimates checked against computations of their own: the
 * Fisher diagonal against a plain-Java forward and backward pass of the MLP (its gradients in closed form), its
 * score against weights read back from the block after a real swap; the Hessian proxy against ‖ΔW·x‖² over the
 * layer's captured input rows; Spearman against the textbook formula.
 */
class ProxySensitivityTest {

    @Test
    void spearmanMatchesTheFormulaWithoutTiesAndAveragesTies() {
        double[] a = {3.1, 0.2, 5.0, 4.4, 1.7, 9.0};
        double[] b = {2.0, 1.0, 30.0, 6.0, 5.0, 8.0};
        // no ties: ρ = 1 − 6·Σd²/(n(n² − 1)); ranks of a: 3 1 5 4 2 6, of b: 2 1 6 4 3 5
        double d2 = 1 + 0 + 1 + 0 + 1 + 1;
        assertEquals(1 - 6 * d2 / (6 * 35.0), Metrics.spearman(a, b), 1e-12);
        assertEquals(1.0, Metrics.spearman(new double[] {1, 2, 3}, new double[] {10, 100, 1000}), 1e-12, "monotone: 1");
        assertEquals(-1.0, Metrics.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
        // ties: x ranks 1.5 1.5 3 4, y ranks 1 2 3 4; Pearson of those by hand: cov 1.25·... = 0.9487
        double rho = Metrics.spearman(new double[] {1, 1, 2, 3}, new double[] {1, 2, 3, 4});
        double[] rx = {1.5, 1.5, 3, 4}, ry = {1, 2, 3, 4};
        double mx = 2.5, my = 2.5, sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 4; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        assertEquals(sxy / Math.sqrt(sxx * syy), rho, 1e-12);
        assertTrue(Double.isNaN(Metrics.spearman(new double[] {1, 1}, new double[] {1, 2})), "a constant sample has no rank order");
    }

    @Test
    void aComparisonRanksDamagesPerFormatAndDrawsWhatALogAxisCan() {
        List<LayerRef> layers = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++)
            layers.add(new LayerRef("l" + i, io.precis.engine.model.LayerKind.LINEAR,
                    List.of(new io.precis.engine.model.TensorRef("l" + i + ".weight", io.precis.engine.model.TensorRef.Role.WEIGHT, new long[] {4, 4}, "float32", 0))));
        List<Format> formats = List.of(Formats.int8(), Formats.int4());
        double[][] est = {{1e-6, 1e-3}, {2e-6, 3e-3}, {3e-6, 2e-3}, {4e-6, 4e-3}};
        double[][] mes = {{-1e-5, 1e-2}, {2e-5, 2e-2}, {1e-5, 3e-2}, {3e-5, 4e-2}};
        SensitivityComparison c = new SensitivityComparison(new SensitivityTable("m", layers, formats, est, SensitivityMetric.FISHER, "est"), 1.0,
                new SensitivityTable("m", layers, formats, mes, SensitivityMetric.DELTA_LOSS, "measured"), 10.0);
        assertEquals(Metrics.spearman(new double[] {1, 2, 3, 4}, new double[] {-1, 2, 1, 3}), c.spearman(Formats.int8()), 1e-12);
        assertEquals(0.8, c.spearman(Formats.int4()), 1e-12, "ranks 1 3 2 4 against 1 2 3 4: 1 − 6·2/60");
        Figure f = c.figure();
        assertTrue(f.xAxis().log() && f.yAxis().log());
        assertEquals(2, f.traces().size());
        assertEquals(3, f.traces().get(0).points(), "the negative measured change is not drawn on a log axis");
        assertTrue(f.summary().contains("1 points at or below 0"), f.summary());
        assertTrue(c.toText().contains("int4: fisher") && c.toText().contains("int4 0.800"), c.toText());
    }

    /** The committed MLP in a DJL model the test holds, so the block's parameters can be read directly. */
    private static Model mlp(Map<String, Parameter> params) throws Exception {
        Path file = TestFiles.models("trained/fashion-mlp-0000.params");
        ai.djl.Model djl = ai.djl.Model.newInstance("fashion-mlp", Device.cpu(), "PyTorch");
        djl.setBlock(new FashionMlp(256, 128, 10));
        djl.load(file.getParent(), "fashion-mlp", Map.of("epoch", 0));
        BlockBackend.collect(djl.getBlock(), "", params);
        return Models.fromBlock("fashion-mlp", djl, ModelTask.CLASSIFIER, new int[] {1, 28, 28}, null);
    }

    @Test
    void fisherDiagonalEqualsAPlainJavaBackwardPassAndItsScoreTheSwappedWeights() throws Exception {
        ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
        Map<String, Parameter> params = new LinkedHashMap<>();
        try (Model m = mlp(params)) {
            int n = 12;
            for (int batch : new int[] {1, 4}) {
                Evaluator ev = new Evaluator(m, test, batch, 7, n);
                Map<String, double[]> fisher = ProxySensitivity.fisherDiagonal(m, ev.inputs(), ev.targets(), null);
                Map<String, double[]> expected = plainFisher(m, ev.inputs(), ev.targets(), n);
                for (String t : List.of("fc1.weight", "fc2.weight", "head.weight", "head.bias")) {
                    double[] got = fisher.get(t), want = expected.get(t);
                    double max = 0, err = 0;
                    for (int i = 0; i < want.length; i++) {
                        max = Math.max(max, Math.abs(want[i]));
                        err = Math.max(err, Math.abs(got[i] - want[i]));
                    }
                    assertTrue(max > 0, t + ": some gradient");
                    assertTrue(err <= 1e-4 * max, t + " at batch " + batch + ": largest difference " + err + " of " + max);
                }
                // the score: ½·Σ F·Δw², Δw read from the block's own parameter after a real swap
                LayerRef fc2 = m.layer("fc2");
                Format int4 = Formats.int4();
                float[] w = params.get("fc2.weight").getArray().toFloatArray();
                m.swap(fc2, WeightTransform.fakeQuantize(int4));
                float[] q = params.get("fc2.weight").getArray().toFloatArray();
                m.restoreAll();
                double want = 0;
                double[] f = expected.get("fc2.weight");
                for (int i = 0; i < w.length; i++) want += 0.5 * f[i] * ((double) q[i] - w[i]) * ((double) q[i] - w[i]);
                assertEquals(want, ProxySensitivity.fisherScore(m, fisher, fc2, int4), 1e-4 * want);
            }
            assertTrue(m.isFullPrecision(), "the gradients leave the weights as they were");
        }
    }

    @Test
    void torchScriptGivesGradientsAndTheyMatchAFiniteDifference() throws Exception {
        ImageSet test = Datasets.fashionMnist(TestFiles.fashionMnistOrSkip(), "test");
        try (Model m = Models.load(TestFiles.models("torchscript/fashion_cnn.pt"))) {
            Evaluator ev = new Evaluator(m, test, 16, 3, 16);
            ModelInput in = ev.inputs().get(0);
            int[] y = ev.targets();
            Map<String, float[]> g = m.lossGradients(in, y);
            LayerRef fc1 = m.layer("fc1");
            float[] grad = g.get(fc1.weight().name());
            int at = 0;
            for (int i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[at])) at = i;
            assertTrue(Math.abs(grad[at]) > 0, "a gradient on fc1");
            // the largest component against a central difference of the loss, in double from the model's logits
            int index = at;
            float w0 = m.fullPrecisionWeights(fc1.weight())[index];
            float h = Math.max(1e-3f, Math.abs(w0) * 1e-2f);
            double[] loss = new double[2];
            for (int side = 0; side < 2; side++) {
                float delta = side == 0 ? h : -h;
                m.swap(fc1, io.precis.engine.model.WeightTransform.of("nudge", v -> v.bytes().putFloat(index * 4, w0 + delta)));
                loss[side] = meanCrossEntropy(m.forward(in).values(), y);
                m.restoreAll();
            }
            double fd = (loss[0] - loss[1]) / (2 * h);
            assertEquals(fd, grad[index], 0.02 * Math.abs(fd) + 1e-5, "d loss / d w at " + index);
            assertTrue(m.isFullPrecision());
        }
    }

    private static double meanCrossEntropy(float[] logits, int[] y) {
        int c = logits.length / y.length;
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int k = 0; k < c; k++) max = Math.max(max, logits[i * c + k]);
            for (int k = 0; k < c; k++) sum += Math.exp(logits[i * c + k] - max);
            s += Math.log(sum) + max - logits[i * c + y[i]];
        }
        return s / y.length;
    }

    /**
     * (1/N)·Σ over batches of n²·ḡ², ḡ the batch's mean gradient, by a forward and backward pass in double:
     * z1 = W1·x + b1, h1 = relu(z1), z2 = W2·h1 + b2, h2 = relu(z2), z3 = W3·h2 + b3; ∂ℓ/∂z3 = softmax(z3) − onehot(y).
     */
    private static Map<String, double[]> plainFisher(Model m, List<ModelInput> batches, int[] targets, int samples) {
        float[] w1 = m.fullPrecisionWeights(m.layer("fc1").weight()), w2 = m.fullPrecisionWeights(m.layer("fc2").weight());
        float[] w3 = m.fullPrecisionWeights(m.layer("head").weight());
        float[] b1 = bias(m, "fc1"), b2 = bias(m, "fc2"), b3 = bias(m, "head");
        int d0 = 784, d1 = 256, d2 = 128, d3 = 10;
        Map<String, double[]> f = new LinkedHashMap<>();
        f.put("fc1.weight", new double[d1 * d0]);
        f.put("fc2.weight", new double[d2 * d1]);
        f.put("head.weight", new double[d3 * d2]);
        f.put("head.bias", new double[d3]);
        int at = 0;
        for (ModelInput in : batches) {
            ModelInput.Images img = (ModelInput.Images) in;
            int n = img.n();
            double[] g1 = new double[d1 * d0], g2 = new double[d2 * d1], g3 = new double[d3 * d2], gb3 = new double[d3];
            for (int s = 0; s < n; s++) {
                double[] x = new double[d0];
                for (int i = 0; i < d0; i++) x[i] = img.pixels()[s * d0 + i];
                double[] z1 = affine(w1, b1, x, d1), h1 = relu(z1), z2 = affine(w2, b2, h1, d2), h2 = relu(z2), z3 = affine(w3, b3, h2, d3);
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (double v : z3) max = Math.max(max, v);
                double[] dz3 = new double[d3];
                for (int k = 0; k < d3; k++) sum += Math.exp(z3[k] - max);
                for (int k = 0; k < d3; k++) dz3[k] = Math.exp(z3[k] - max) / sum - (k == targets[at + s] ? 1 : 0);
                double[] dz2 = back(w3, dz3, z2, d3, d2), dz1 = back(w2, dz2, z1, d2, d1);
                outer(g3, dz3, h2, n);
                outer(g2, dz2, h1, n);
                outer(g1, dz1, x, n);
                for (int k = 0; k < d3; k++) gb3[k] += dz3[k] / n;
            }
            double weight = (double) n * n / samples;
            square(f.get("fc1.weight"), g1, weight);
            square(f.get("fc2.weight"), g2, weight);
            square(f.get("head.weight"), g3, weight);
            square(f.get("head.bias"), gb3, weight);
            at += n;
        }
        return f;
    }

    private static float[] bias(Model m, String layer) {
        return m.fullPrecisionWeights(m.layers().stream().flatMap(l -> l.tensors().stream()).filter(t -> t.name().equals(layer + ".bias"))
                .findFirst().orElseThrow());
    }

    private static double[] affine(float[] w, float[] b, double[] x, int out) {
        double[] z = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < x.length; i++) s += w[o * x.length + i] * x[i];
            z[o] = s;
        }
        return z;
    }

    private static double[] relu(double[] z) {
        double[] h = new double[z.length];
        for (int i = 0; i < z.length; i++) h[i] = Math.max(0, z[i]);
        return h;
    }

    /** ∂ℓ/∂z_prev = (Wᵀ·δ) ∘ [z_prev > 0]. */
    private static double[] back(float[] w, double[] delta, double[] zPrev, int out, int in) {
        double[] d = new double[in];
        for (int i = 0; i < in; i++) {
            if (zPrev[i] <= 0) continue;
            double s = 0;
            for (int o = 0; o < out; o++) s += w[o * in + i] * delta[o];
            d[i] = s;
        }
        return d;
    }

    private static void outer(double[] g, double[] delta, double[] x, int n) {
        for (int o = 0; o < delta.length; o++)
            for (int i = 0; i < x.length; i++) g[o * x.length + i] += delta[o] * x[i] / n;
    }

    private static void square(double[] acc, double[] g, double weight) {
        for (int i = 0; i < g.length; i++) acc[i] += weight * g[i] * g[i];
    }

    @Test
    void hessianScoreIsTheMeanSquaredOutputErrorOverTheCapturedRows() throws Exception {
        SentenceSet sentences = Datasets.sentences(TestFiles.sentences()).first(6);
        try (Model m = Models.loadFromMaven(TestFiles.MINILM)) {
            Evaluator ev = new Evaluator(m, sentences, 3, 0, 6);
            LayerRef query = m.layer("encoder.layer.1.attention.self.query");   // ONNX MatMul weight [in, out]
            Map<String, LayerStats> stats = Calibration.capture(m, ev.inputs(), List.of(query), true, null);
            Format int4 = Formats.int4();
            float[] w = m.fullPrecisionWeights(query.weight());
            float[] q = w.clone();
            int in = Math.toIntExact(query.weight().shape()[0]), out = Math.toIntExact(query.weight().shape()[1]);
            WeightTransform.fitted(int4, query.weight()).fakeQuantize(q, new int[] {in, out});
            // mean over rows of ‖ΔW·x‖², x the rows the layer reads (captured again, with the model at full precision)
            double sum = 0;
            long rows = 0;
            for (ModelInput batch : ev.inputs()) {
                float[] x = m.layerInputs(batch, List.of(query)).get(query.name());
                int r = x.length / in;
                for (int row = 0; row < r; row++) {
                    for (int o = 0; o < out; o++) {
                        double e = 0;
                        for (int k = 0; k < in; k++) e += ((double) q[k * out + o] - w[k * out + o]) * x[row * in + k];
                        sum += e * e;
                    }
                }
                rows += r;
            }
            double want = sum / rows;
            assertEquals(want, ProxySensitivity.hessianScore(m, stats.get(query.name()), query, int4), 1e-3 * want);
            // MiniLM has no backward pass here, and says so
            Analysis a = Analysis.of(m, sentences).samples(6).cache(SensitivityCache.inMemory());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.metric("fisher"));
            assertTrue(e.getMessage().contains("needs labels") && e.getMessage().contains("hessian"), e.getMessage());
        }
    }
}
