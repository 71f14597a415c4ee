package io.precis.engine.analysis;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.calib.Calibration;
import io.precis.engine.calib.LayerStats;
import io.precis.engine.calib.PlanQuantizer;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * How an analysis quantizes what it measures (sensitivity, sweeps, search): the algorithm that rounds each
 * configuration's weights, the calibration it reads, and the session's rules that stay on: a measured layer a
 * prune rule covers is pruned before its format is applied, and every activation rule quantizes its layers' inputs
 * during every measurement. {@link #RTN} (round to nearest, no rules) is what an analysis measures by default.
 *
 * <p>Calibration statistics are captured once per model and calibration data (one pass over every linear layer,
 * kept in {@link #STORE}), and GPTQ/AWQ weights for each (layer, format) are computed from them when a
 * configuration needs them; nothing is recaptured per configuration. {@link #key()} goes into every cache key.
 */
public final class Method {

    /** Round to nearest, without rules. */
    public static final Method RTN = new Method(QuantAlgorithm.RTN, null, null);

    /** Statistics by model and calibration (the last two kept): calibration inputs and each linear layer's {@link LayerStats}. */
    private static final Map<String, Captured> STORE = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Captured> e) {
            return size() > 2;
        }
    };

    private record Captured(List<ModelInput> inputs, Map<String, LayerStats> stats, boolean gram) {}

    private final QuantAlgorithm algorithm;
    private final Calibration calibration;
    private final Plan rules;

    private Method(QuantAlgorithm algorithm, Calibration calibration, Plan rules) {
        this.algorithm = algorithm;
        this.calibration = calibration;
        this.rules = rules;
    }

    /**
     * @param calibration what GPTQ, AWQ and calibrated activation rules read; may be null when nothing needs it
     * @param rules the session's prune and activation rules as a plan (its formats are ignored); null for none
     */
    public static Method of(QuantAlgorithm algorithm, Calibration calibration, Plan rules) {
        if (rules != null && rules.pruned().isEmpty() && rules.activations().isEmpty()) rules = null;
        Method m = new Method(algorithm == null ? QuantAlgorithm.RTN : algorithm, calibration, rules);
        if (m.needsCalibration() && calibration == null)
            throw new IllegalArgumentException("this measurement needs calibration data (" + m.label() + ")");
        if (m.algorithm.needsCalibration() && rules != null)
            rules.activations().forEach((n, a) -> {
                if (a.smooth())
                    throw new IllegalArgumentException(n + ": smoothquant combines with round-to-nearest weights, not with " + m.algorithm.name());
            });
        return m;
    }

    public QuantAlgorithm algorithm() { return algorithm; }

    public Calibration calibration() { return calibration; }

    /** Round to nearest without rules: what an analysis measures without a method. */
    public boolean plain() {
        return !algorithm.needsCalibration() && rules == null;
    }

    /** Whether measuring reads calibration data: GPTQ/AWQ, static activation scales, SmoothQuant. */
    public boolean needsCalibration() {
        return algorithm.needsCalibration() || rules != null && rules.hasStaticActivations();
    }

    /** The layer's prune rule's sparsity, or null. */
    public io.precis.engine.algo.Sparsity sparsity(LayerRef l) {
        return rules == null ? null : rules.layer(l.name()).filter(LayerPlan::isPruned).map(LayerPlan::sparsity).orElse(null);
    }

    /** What goes into every cache key: empty for {@link #RTN}, else the algorithm with its options, the calibration and the rules. */
    String key() {
        if (plain()) return "";
        StringBuilder k = new StringBuilder(" | ").append(algorithm.describe());
        if (needsCalibration())
            k.append(" | calibrated ").append(calibration.data().hash()).append('/').append(calibration.samples()).append('/')
                    .append(calibration.seed()).append('/').append(calibration.batchSize());
        if (rules != null) {
            StringBuilder r = new StringBuilder();
            rules.pruned().forEach(l -> r.append(l.name()).append(':').append(l.sparsity()).append(';'));
            rules.activations().forEach((n, a) -> r.append(n).append('=').append(a).append(';'));
            k.append(" | rules ").append(SensitivityCache.sha256(r.toString()), 0, 16);
        }
        return k.toString();
    }

    /** e.g. {@code gptq (damp 0.01, block 128, act-order none); 6 layers keep their prune rules; activations int8 on 36 layers}. */
    public String label() {
        List<String> parts = new ArrayList<>();
        if (algorithm.needsCalibration()) parts.add(algorithm.describe());
        if (rules != null) {
            int pruned = rules.pruned().size();
            if (pruned > 0) parts.add(pruned == 1 ? "1 layer keeps its prune rule" : pruned + " layers keep their prune rules");
            Map<String, Integer> acts = new LinkedHashMap<>();
            rules.activations().values().forEach(a -> acts.merge(a.toString(), 1, Integer::sum));
            acts.forEach((a, n) -> parts.add("activations " + a + " on " + n + (n == 1 ? " layer" : " layers")));
        }
        return parts.isEmpty() ? "rtn" : String.join("; ", parts);
    }

    /** {@link #label()} and, when it calibrates, which samples calibrated and which evaluated (and any overlap). */
    String describe(Analysis a) {
        if (plain()) return "";
        String s = label();
        if (needsCalibration()) {
            s += "; " + Calibration.Samples.of(calibration.data(), inputs(a.model()), a.data(), a.evaluator().inputs()).text();
        }
        return s;
    }

    private String storeKey(Model model) {
        return model.modelHash() + "|" + calibration.data().hash() + "|" + calibration.samples() + "|" + calibration.seed()
                + "|" + calibration.batchSize();
    }

    /** The calibration batches (built once per model and calibration). */
    private List<ModelInput> inputs(Model model) {
        synchronized (STORE) {
            Captured c = STORE.get(storeKey(model));
            if (c != null) return c.inputs();
            List<ModelInput> inputs = calibration.inputs(model);
            STORE.put(storeKey(model), new Captured(inputs, null, false));
            return inputs;
        }
    }

    /** Statistics of every linear layer, captured in one pass once (again, with XᵀX, when first needed). */
    private Map<String, LayerStats> captured(Analysis a, boolean gram, Tracker t) {
        Model model = a.model();
        List<ModelInput> inputs = inputs(model);
        synchronized (STORE) {
            Captured c = STORE.get(storeKey(model));
            if (c != null && c.stats() != null && (c.gram() || !gram)) return c.stats();
            List<LayerRef> linear = a.quantizableLayers().stream().filter(Method::linear).toList();
            Map<String, LayerStats> stats = a.atFullPrecision(() -> Calibration.capture(model, inputs, linear, gram, t::checkInterrupt));
            CAPTURES.incrementAndGet();
            STORE.put(storeKey(model), new Captured(inputs, stats, gram));
            return stats;
        }
    }

    /** Forgets every captured statistic (tests; memory). */
    public static void forgetCalibration() {
        synchronized (STORE) {
            STORE.clear();
        }
    }

    /** How many capture passes found nothing stored (tests: calibration happens once). */
    public static int captures() {
        return CAPTURES.get();
    }

    private static final java.util.concurrent.atomic.AtomicInteger CAPTURES = new java.util.concurrent.atomic.AtomicInteger();

    private static boolean linear(LayerRef l) {
        return l.weights().size() == 1 && l.weight().shape().length == 2 && l.dtype().equals("float32");
    }

    /** Statistics of these layers ({@code gram}: with XᵀX); an error naming a layer calibration cannot read. */
    Map<String, LayerStats> stats(Analysis a, List<LayerRef> layers, boolean gram, Tracker t) {
        Map<String, LayerStats> all = captured(a, gram, t);
        Map<String, LayerStats> out = new LinkedHashMap<>();
        for (LayerRef l : layers) {
            LayerStats s = all.get(l.name());
            if (s == null)
                throw new IllegalArgumentException(l.name() + " has no calibration statistics: " + label() + " works on linear layers with one"
                        + " float32 weight matrix (this one is " + l.kind().label() + " " + java.util.Arrays.toString(l.shape()) + ")");
            out.put(l.name(), s);
        }
        return out;
    }

    /** One configuration ready to run: each layer's transform, the activation quantizers and SmoothQuant's divisors. */
    record Applied(Map<LayerRef, WeightTransform> transforms, Analysis.ActivationSetup activations) {}

    /** The transforms of a configuration (each layer at its format by the algorithm, pruned first where a rule says). */
    Applied apply(Analysis a, Map<LayerRef, Format> config, Tracker t) {
        Model model = a.model();
        Map<String, WeightTransform> shared = new LinkedHashMap<>();  // layers alike share one transform, so they swap together
        Map<LayerRef, WeightTransform> transforms = new LinkedHashMap<>();
        Map<String, LayerStats> stats = algorithm.needsCalibration() ? stats(a, List.copyOf(config.keySet()), algorithm.needsGram(), t) : Map.of();
        for (Map.Entry<LayerRef, Format> e : config.entrySet()) {
            LayerRef l = e.getKey();
            Format f = e.getValue();
            io.precis.engine.algo.Sparsity s = sparsity(l);
            if (s != null && algorithm.needsCalibration())
                throw new IllegalArgumentException(l.name() + " keeps its prune rule (" + s + "), and pruning combines with round to nearest, not "
                        + algorithm.name());
            if (s != null || !algorithm.needsCalibration()) {
                LayerPlan lp = new LayerPlan(l, f, "", OptionalDouble.empty(), null, s);
                transforms.put(l, shared.computeIfAbsent(lp.formatText(), k -> lp.transform()));
            } else {
                t.checkInterrupt();
                float[] w = PlanQuantizer.quantizeLayer(model, l, f, algorithm, stats.get(l.name()));
                transforms.put(l, WeightTransform.of(f + " using " + algorithm.name(), v -> v.write(w)));
            }
        }
        if (rules == null || rules.activations().isEmpty()) return new Applied(transforms, new Analysis.ActivationSetup());
        return new Applied(transforms, a.activationSetup(rules, ls -> stats(a, ls, algorithm.needsGram(), t), ls -> rows(a, ls, t), transforms,
                t::checkInterrupt));
    }

    /** Calibration rows of these layers' inputs (SmoothQuant's α search, percentile/MSE clips), captured once per method. */
    private Map<String, float[]> rows(Analysis a, List<LayerRef> layers, Tracker t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<LayerRef> missing = new ArrayList<>();
        for (LayerRef l : layers) {
            float[] r = rows.get(l.name());
            if (r != null) out.put(l.name(), r); else missing.add(l);
        }
        if (!missing.isEmpty()) {
            Map<String, float[]> got = a.atFullPrecision(() -> Calibration.captureRows(a.model(), inputs(a.model()), missing, Analysis.ACTIVATION_ROWS,
                    calibration.seed(), t::checkInterrupt));
            rows.putAll(got);
            out.putAll(got);
        }
        return out;
    }

    /** Rows captured for the activation rules (one method serves one statement's configurations). */
    private final Map<String, float[]> rows = new java.util.HashMap<>();
}
