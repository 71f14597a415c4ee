package io.precis.engine.calib;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.algo.Awq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.algo.SmoothQuant;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.Split;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.WeightTransform;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole-model W8A16 vs W8A8 vs W8A8 with SmoothQuant on all-MiniLM-L6-v2, held out: calibration and evaluation
 * sentences are a disjoint seeded split of models/data/sentences.txt. Weights int8 per channel (RTN) on the 36
 * linear layers; activations int8 per token dynamic (or per tensor static, absmax over the calibration rows)
 * fake-quantized in ONNX Runtime's forward pass. SmoothQuant (α 0.5, llm-compressor's scales from calibration
 * max|x| and the max |W| over the layers sharing that input) is kept as an explicit divisor before the quantizer,
 * on the layers whose input comes from a LayerNorm (query, key, value, intermediate.dense: where it folds into
 * γ, β), or on all 36. Damage: mean over held-out sentences of 1 − cos of the embeddings. Further plans go through
 * the analysis only: α searched per group on the calibration rows, asymmetric (uint8, zero point) per-token codes,
 * fp8 E4M3, and static per-tensor scales calibrated by a percentile or MSE.
 */
final class MiniLmActivations {

    record Result(double w8a16, double w8a8, double w8a8Static, double w8a8SmoothNorm, double w8a8SmoothAll, double w8a16ByAnalysis,
                  double w8a8ByAnalysis, double w8a8StaticByAnalysis, double w8a8SmoothNormByAnalysis, String plan, Calibration.Samples samples,
                  Map<String, Double> byPlan, Map<String, String> notes) {}

    private MiniLmActivations() {}

    static List<LayerRef> linear(Model m) {
        return m.layers().stream().filter(l -> l.kind() == LayerKind.LINEAR && l.weights().size() == 1 && l.weight().shape().length == 2).toList();
    }

    static boolean afterNorm(LayerRef l) {
        return l.name().matches(".*attention\\.self\\.(query|key|value)|.*intermediate\\.dense");
    }

    static Result measure(Model m, SentenceSet all, int calibrationSize, long seed) {
        Split<SentenceSet> split = Datasets.split(all, calibrationSize, seed);
        Analysis a = Analysis.of(m, split.evaluation()).samples(split.evaluation().size());
        Format int8 = Formats.parse("int8 per channel");
        List<LayerRef> layers = linear(m);
        Map<String, Format> formats = new LinkedHashMap<>();
        layers.forEach(l -> formats.put(l.name(), int8));
        double byAnalysis = a.evaluate(io.precis.engine.plan.Plan.of(m, formats, "test")).value();

        Evaluator ev = a.evaluator();
        float[][] reference = outputs(m, ev);
        Calibration cal = Calibration.on(split.calibration()).samples(calibrationSize).seed(seed);
        List<ModelInput> calInputs = cal.inputs(m);
        Map<String, LayerStats> stats = Calibration.capture(m, calInputs, layers, false, null);

        Map<LayerRef, float[]> plain = new LinkedHashMap<>();
        for (LayerRef l : layers) plain.put(l, m.fullPrecisionWeights(l.weight()));
        Map<LayerRef, ActivationQuant> perToken = new LinkedHashMap<>(), perTensor = new LinkedHashMap<>();
        for (LayerRef l : layers) {
            perToken.put(l, ActivationQuant.int8PerToken());
            float mx = 0;
            for (float v : stats.get(l.name()).maxAbs()) mx = Math.max(mx, v);
            perTensor.put(l, ActivationQuant.int8Static(mx));
        }
        double w8a16 = damage(m, ev, reference, int8Weights(m, plain), Map.of(), Map.of());
        double w8a8 = damage(m, ev, reference, int8Weights(m, plain), perToken, Map.of());
        double w8a8Static = damage(m, ev, reference, int8Weights(m, plain), perTensor, Map.of());
        double[] smooth = new double[2];
        for (int k = 0; k < 2; k++) {
            boolean normOnly = k == 0;
            // layers reading one tensor share a LayerStats and so share their scales (one norm to fold into)
            Map<LayerStats, List<LayerRef>> groups = new IdentityHashMap<>();
            for (LayerRef l : layers) if (!normOnly || afterNorm(l)) groups.computeIfAbsent(stats.get(l.name()), x -> new ArrayList<>()).add(l);
            Map<LayerRef, float[]> weights = new LinkedHashMap<>(plain);
            Map<LayerRef, float[]> divisors = new LinkedHashMap<>();
            for (Map.Entry<LayerStats, List<LayerRef>> g : groups.entrySet()) {
                int in = g.getKey().width();
                float[] range = g.getKey().maxAbs();
                for (int c = 0; c < in; c++) range[c] *= 2;
                List<Awq.Weight> ws = new ArrayList<>();
                for (LayerRef l : g.getValue()) {
                    int out = (int) (l.weight().params() / in);
                    ws.add(new Awq.Weight(PlanQuantizer.transpose(plain.get(l), in, out), out));
                }
                float[] s = SmoothQuant.scales(range, ws, in, 0.5);
                for (LayerRef l : g.getValue()) {
                    int out = (int) (l.weight().params() / in);
                    float[] w = plain.get(l).clone();          // ONNX MatMul B: [in][out], row c scales by s[c]
                    for (int c = 0; c < in; c++) for (int o = 0; o < out; o++) w[c * out + o] *= s[c];
                    weights.put(l, w);
                    divisors.put(l, s);
                }
            }
            smooth[k] = damage(m, ev, reference, int8Weights(m, weights), perToken, divisors);
        }
        Calibration.Samples samples = Calibration.Samples.of(cal.data(), calInputs, split.evaluation(), ev.inputs());
        // the same through rules, a plan and the analysis
        List<io.precis.engine.plan.LayerPattern> star = List.of(io.precis.engine.plan.LayerPattern.glob("*"));
        io.precis.engine.plan.Rule weights = io.precis.engine.plan.Rule.quantize("w", star, int8);
        io.precis.engine.plan.Plan dynamicPlan = io.precis.engine.plan.Planner.resolve(m.name(), m.layers(), List.of(weights,
                io.precis.engine.plan.Rule.activations("a", star, new io.precis.engine.plan.ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true))),
                io.precis.engine.plan.SensitivityLookup.NONE);
        io.precis.engine.plan.Plan staticPlan = io.precis.engine.plan.Planner.resolve(m.name(), m.layers(), List.of(weights,
                io.precis.engine.plan.Rule.activations("a", star, new io.precis.engine.plan.ActivationSpec(ActivationQuant.Granularity.PER_TENSOR, false))),
                io.precis.engine.plan.SensitivityLookup.NONE);
        List<io.precis.engine.plan.LayerPattern> normFed = java.util.stream.Stream.of("*.attention.self.query", "*.attention.self.key",
                "*.attention.self.value", "*.intermediate.dense").map(io.precis.engine.plan.LayerPattern::glob).toList();
        io.precis.engine.plan.Plan smoothPlan = io.precis.engine.plan.Planner.resolve(m.name(), m.layers(), List.of(weights,
                io.precis.engine.plan.Rule.activations("a", star, new io.precis.engine.plan.ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true)),
                io.precis.engine.plan.Rule.activations("s", normFed, new io.precis.engine.plan.ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true, 0.5))),
                io.precis.engine.plan.SensitivityLookup.NONE);
        double smoothByAnalysis = a.evaluate(smoothPlan, cal).value();
        double dynamicByAnalysis = a.evaluate(dynamicPlan).value();
        double staticByAnalysis = a.evaluate(staticPlan, cal).value();
        // further plans, measured by the analysis only: α searched on the calibration rows, fp8, calibrated static clips
        io.precis.engine.plan.ActivationSpec token = new io.precis.engine.plan.ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true);
        Map<String, List<io.precis.engine.plan.Rule>> more = new LinkedHashMap<>();
        more.put("smoothquant searched, norm-fed", List.of(weights, io.precis.engine.plan.Rule.activations("a", star, token),
                io.precis.engine.plan.Rule.activations("s", normFed, token.searchingSmoothQuant())));
        // the all-36 variants only on request (-Dprecis.activations.all=true): two more searches, about a minute
        boolean every = Boolean.getBoolean("precis.activations.all");
        if (every) more.put("smoothquant searched, all 36", List.of(weights, io.precis.engine.plan.Rule.activations("s", star, token.searchingSmoothQuant())));
        io.precis.engine.plan.ActivationSpec asym = token.asymmetricCodes();
        more.put("asymmetric per token", List.of(weights, io.precis.engine.plan.Rule.activations("a", star, asym)));
        more.put("asymmetric per token, smoothquant searched, norm-fed", List.of(weights, io.precis.engine.plan.Rule.activations("a", star, asym),
                io.precis.engine.plan.Rule.activations("s", normFed, asym.searchingSmoothQuant())));
        if (every) more.put("asymmetric per token, smoothquant searched, all 36", List.of(weights, io.precis.engine.plan.Rule.activations("s", star, asym.searchingSmoothQuant())));
        more.put("fp8 per token", List.of(weights, io.precis.engine.plan.Rule.activations("a", star, new io.precis.engine.plan.ActivationSpec(
                ActivationQuant.Element.FP8_E4M3, ActivationQuant.Granularity.PER_TOKEN, true, Double.NaN, false, null))));
        for (io.precis.engine.plan.ActivationSpec.Range range : List.of(io.precis.engine.plan.ActivationSpec.Range.percentile(99.99),
                io.precis.engine.plan.ActivationSpec.Range.MSE))
            more.put("int8 per tensor static " + range, List.of(weights, io.precis.engine.plan.Rule.activations("a", star, new io.precis.engine.plan.ActivationSpec(
                    ActivationQuant.Element.INT8, ActivationQuant.Granularity.PER_TENSOR, false, Double.NaN, false, range))));
        Map<String, Double> byPlan = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        more.forEach((name, rules) -> {
            io.precis.engine.plan.Plan p = io.precis.engine.plan.Planner.resolve(m.name(), m.layers(), rules, io.precis.engine.plan.SensitivityLookup.NONE);
            io.precis.engine.analysis.PlanEvaluation e = a.evaluate(p, cal);
            byPlan.put(name, e.value());
            notes.put(name, e.calibration());
        });
        return new Result(w8a16, w8a8, w8a8Static, smooth[0], smooth[1], byAnalysis, dynamicByAnalysis, staticByAnalysis, smoothByAnalysis, dynamicPlan.toText(), samples,
                byPlan, notes);
    }

    /** Each layer's weights rounded to int8 per output channel (ONNX layout [in][out]). */
    private static Map<LayerRef, float[]> int8Weights(Model m, Map<LayerRef, float[]> weights) {
        Format int8 = Formats.parse("int8 per channel");
        Map<LayerRef, float[]> out = new LinkedHashMap<>();
        weights.forEach((l, w) -> {
            int in = Calibration.width(l), o = (int) (l.weight().params() / in);
            float[] q = QuantAlgorithm.RTN.quantize(PlanQuantizer.transpose(w, in, o), o, in, int8, null);
            out.put(l, PlanQuantizer.transpose(q, o, in));
        });
        return out;
    }

    private static double damage(Model m, Evaluator ev, float[][] reference, Map<LayerRef, float[]> weights,
                                 Map<LayerRef, ActivationQuant> acts, Map<LayerRef, float[]> divisors) {
        try {
            weights.forEach((l, w) -> m.swap(l, WeightTransform.of("test", v -> v.write(w))));
            m.quantizeActivations(acts, divisors);
            return oneMinusCosine(outputs(m, ev), reference);
        } finally {
            m.quantizeActivations(Map.of(), Map.of());
            m.restoreAll();
        }
    }

    private static float[][] outputs(Model m, Evaluator ev) {
        List<float[]> rows = new ArrayList<>();
        for (ModelInput in : ev.inputs()) ev.addRows(m.forward(in), in.size(), rows);
        return rows.toArray(float[][]::new);
    }

    /** Mean over rows of 1 − cos (the test's own; the analysis's value for W8A16 must agree). */
    static double oneMinusCosine(float[][] a, float[][] b) {
        double sum = 0;
        for (int r = 0; r < a.length; r++) {
            double ab = 0, aa = 0, bb = 0;
            for (int i = 0; i < a[r].length; i++) {
                ab += (double) a[r][i] * b[r][i];
                aa += (double) a[r][i] * a[r][i];
                bb += (double) b[r][i] * b[r][i];
            }
            sum += Math.max(0, 1 - ab / Math.sqrt(aa * bb));
        }
        return sum / a.length;
    }
}
