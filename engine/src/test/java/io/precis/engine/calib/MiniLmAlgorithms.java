package io.precis.engine.calib;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.algo.Awq;
import io.precis.engine.algo.Gptq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.algo.SmoothQuant;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.Split;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.util.List;
import java.util.Map;

/**
 * The held-out comparison on all-MiniLM-L6-v2 (its 36 linear layers): calibration and evaluation sentences are a
 * disjoint seeded split of models/data/sentences.txt. Whole-model 1 − cosine for RTN, GPTQ and AWQ; per layer,
 * the output error ‖X(W − Ŵ)ᵀ‖² / ‖XWᵀ‖² on the held-out rows for RTN and GPTQ; and per layer W8A8 (int8 per
 * channel weights, int8 per-token activations) with and without SmoothQuant (α 0.5) against W8A16, on 128 held-out
 * token rows per layer.
 */
final class MiniLmAlgorithms {

    record Result(Calibration.Samples samples, double rtn, double gptq, double gptqSequential, double rtnGroup, double awqGroup,
                  int layers, int gptqBetter, double w8a16, double w8a8, double w8a8Smooth, boolean sequentialRun) {
        double gptqRatio() { return gptq / rtn; }
        double awqRatio() { return awqGroup / rtnGroup; }
    }

    private MiniLmAlgorithms() {}

    static Plan plan(Model m, Format f, QuantAlgorithm a) {
        return Planner.resolve(m.name(), m.layers(), List.of(Rule.quantize("all " + a.name(), List.of(LayerPattern.glob("*")), f).using(a)),
                SensitivityLookup.NONE);
    }

    static Result measure(Model m, SentenceSet all, int calibrationSize, long seed, boolean sequential) {
        Split<SentenceSet> split = Datasets.split(all, calibrationSize, seed);
        Analysis a = Analysis.of(m, split.evaluation()).samples(split.evaluation().size()).cache(SensitivityCache.inMemory());
        Calibration cal = Calibration.on(split.calibration()).samples(calibrationSize).seed(seed);
        Format int4 = Formats.parse("int4 per channel");
        Format g128 = Formats.parse("int4 group 128");
        QuantAlgorithm gptq = QuantAlgorithm.of("gptq");
        double rtn = a.evaluate(plan(m, int4, QuantAlgorithm.RTN)).value();
        PlanEvaluation ge = a.evaluate(plan(m, int4, gptq), cal);
        double gs = sequential ? a.evaluate(plan(m, int4, gptq), cal.sequential(true)).value() : Double.NaN;
        double rtnG = a.evaluate(plan(m, g128, QuantAlgorithm.RTN)).value();
        double awqG = a.evaluate(plan(m, g128, QuantAlgorithm.of("awq")), cal).value();

        // per layer, on the held-out rows
        Plan gp = plan(m, int4, gptq);
        List<LayerRef> layers = gp.quantized().stream().map(l -> m.layer(l.name())).toList();
        PlanQuantizer.Result q = m.atFullPrecision(() -> PlanQuantizer.quantize(m, gp, cal.inputs(m), false, null));
        List<ModelInput> held = a.evaluator().inputs();
        Map<String, LayerStats> heldStats = Calibration.capture(m, held, layers, true, null);
        int better = 0;
        double[] num = new double[3], den = new double[1];
        for (LayerRef l : layers) {
            int in = Calibration.width(l), out = (int) (l.weight().params() / in);
            float[] w = PlanQuantizer.transpose(m.fullPrecisionWeights(l.weight()), in, out);     // [out][in]
            float[] h = heldStats.get(l.name()).hessian();
            double eRtn = Gptq.relativeOutputError(w, QuantAlgorithm.RTN.quantize(w, out, in, int4, null), out, in, h);
            double eGptq = Gptq.relativeOutputError(w, PlanQuantizer.transpose(q.weights().get(l.weight().name()), in, out), out, in, h);
            if (eGptq < eRtn) better++;
        }
        // W8A8 per layer: streamed over held-out batches, SmoothQuant scales from the calibration statistics
        Format int8 = Formats.parse("int8 per channel");
        Map<String, LayerStats> calStats = Calibration.capture(m, cal.inputs(m), layers, false, null);
        ActivationQuant act = ActivationQuant.int8PerToken();
        for (ModelInput batch : held.subList(0, 1)) {
            Map<String, float[]> rows = m.layerInputs(batch, layers);
            for (LayerRef l : layers) {
                int in = Calibration.width(l), out = (int) (l.weight().params() / in);
                float[] w = PlanQuantizer.transpose(m.fullPrecisionWeights(l.weight()), in, out);
                float[] x = everyKthRow(rows.get(l.name()), in, W8A8_ROWS);
                int n = x.length / in;
                float[] range = calStats.get(l.name()).maxAbs();
                for (int c = 0; c < in; c++) range[c] *= 2;
                float[] s = SmoothQuant.scales(range, List.of(new Awq.Weight(w, out)), in, 0.5);
                float[] y = matmul(x, w, n, in, out);
                float[] w8 = QuantAlgorithm.RTN.quantize(w, out, in, int8, null);
                float[] xq = x.clone();
                act.apply(xq, n, in);
                float[] xs = x.clone();
                for (int r = 0; r < n; r++) for (int c = 0; c < in; c++) xs[r * in + c] /= s[c];
                act.apply(xs, n, in);
                float[] ws8 = QuantAlgorithm.RTN.quantize(SmoothQuant.scaleWeights(w, out, in, s), out, in, int8, null);
                num[0] += diff(y, matmul(x, w8, n, in, out));
                num[1] += diff(y, matmul(xq, w8, n, in, out));
                num[2] += diff(y, matmul(xs, ws8, n, in, out));
                den[0] += diff(y, new float[y.length]);
            }
        }
        return new Result(ge.samples(), rtn, ge.value(), gs, rtnG, awqG, layers.size(), better, num[0] / den[0], num[1] / den[0],
                num[2] / den[0], sequential);
    }

    /** Rows of held-out activations per layer for the W8A8 comparison (a spread sample of the first batch's tokens). */
    static final int W8A8_ROWS = 128;

    private static float[] everyKthRow(float[] x, int d, int max) {
        int n = x.length / d;
        if (n <= max) return x;
        float[] out = new float[max * d];
        for (int i = 0; i < max; i++) System.arraycopy(x, (int) ((long) i * n / max) * d, out, i * d, d);
        return out;
    }

    private static float[] matmul(float[] x, float[] w, int n, int in, int out) {
        float[] y = new float[n * out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int c = 0; c < in; c++) acc += x[r * in + c] * w[o * in + c];
                y[r * out + o] = (float) acc;
            }
        return y;
    }

    private static double diff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }
}
