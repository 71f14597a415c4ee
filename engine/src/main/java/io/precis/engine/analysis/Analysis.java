package io.precis.engine.analysis;

import io.precis.engine.data.Dataset;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * A model and the data it is analysed on, with the metric, sample choice, progress listener and cache: the
 * entry point for sensitivity, sweeps, mixed-precision search and plan evaluation. Immutable; the settings
 * methods return a new analysis that shares the model, the cache and, when the samples are unchanged, the
 * cached full-precision outputs and stage inputs.
 *
 * <pre>{@code
 * Analysis a = Analysis.of(model, calib);                      // metric: Δloss, or 1 − cosine for embeddings
 * SensitivityTable t = a.sensitivity(List.of(Formats.int8(), Formats.int4()));
 * Sweep s = a.sweep(a.quantizableLayers(), formats);
 * Frontier f = a.search(a.quantizableLayers(), formats).underBudget(4.5);
 * }</pre>
 *
 * Every piece of work runs with the model at full precision apart from what it measures; a plan the user
 * applied before is put back afterwards. Work checks the thread's interrupt flag between model evaluations
 * and batches and throws {@link AnalysisInterruptedException} with the weights restored.
 */
public final class Analysis {
    /** Samples (sentences, images, language-model windows) analysed unless {@link #samples} says otherwise. */
    public static final int DEFAULT_SAMPLES = 256;

    private final Model model;
    private final Dataset data;
    private final Runner runner;
    private final SensitivityMetric metric;
    private final Progress progress;
    private final SensitivityCache cache;
    private final int samples;
    private final int batchSize;
    private final long seed;
    private final boolean prefixReuse;
    private Cluster cluster; // null: measured in this JVM; set by cluster(), kept by the settings methods
    private Method method = Method.RTN; // set by method(), kept by the settings methods

    private Analysis(Model model, Dataset data, Runner runner, SensitivityMetric metric, Progress progress, SensitivityCache cache,
                     int samples, int batchSize, long seed, boolean prefixReuse) {
        this.model = model;
        this.data = data;
        this.metric = metric;
        this.progress = progress;
        this.cache = cache;
        this.samples = samples;
        this.batchSize = batchSize;
        this.seed = seed;
        this.prefixReuse = prefixReuse;
        this.runner = runner != null ? runner : new Runner(model, new Evaluator(model, data, batchSize, seed, samples), prefixReuse);
    }

    /** Checks that the data fits the model (a clear error otherwise); nothing runs yet. */
    public static Analysis of(Model model, Dataset data) {
        return new Analysis(model, data, null, SensitivityMetric.defaultFor(model.task()), Progress.NONE, SensitivityCache.shared(),
                DEFAULT_SAMPLES, 32, 0L, true);
    }

    // ---- settings ---------------------------------------------------------------------------------------

    public Analysis metric(SensitivityMetric m) {
        if (!m.appliesTo(model.task()))
            throw new IllegalArgumentException("metric " + m.keyword() + " needs labels or next tokens, and " + model.name()
                    + " gives " + model.task().name().toLowerCase(Locale.ROOT) + "s; use cosine or sqnr"
                    + (m == SensitivityMetric.FISHER ? " (or hessian, the estimate from each layer's inputs)" : ""));
        return keepCluster(new Analysis(model, data, runner, m, progress, cache, samples, batchSize, seed, prefixReuse));
    }

    /** {@link #metric(SensitivityMetric)} by keyword: loss, kl, cosine, sqnr, weight-sqnr. */
    public Analysis metric(String keyword) {
        return metric(SensitivityMetric.parse(keyword));
    }

    /** At most this many samples (a seeded choice when the data holds more). */
    public Analysis samples(int max) {
        if (max <= 0) throw new IllegalArgumentException("samples must be positive, not " + max);
        return keepCluster(new Analysis(model, data, null, metric, progress, cache, max, batchSize, seed, prefixReuse));
    }

    public Analysis seed(long s) {
        return keepCluster(new Analysis(model, data, null, metric, progress, cache, samples, batchSize, s, prefixReuse));
    }

    public Analysis batchSize(int b) {
        return keepCluster(new Analysis(model, data, null, metric, progress, cache, samples, b, seed, prefixReuse));
    }

    public Analysis progress(Progress p) {
        return keepCluster(new Analysis(model, data, runner, metric, p == null ? Progress.NONE : p, cache, samples, batchSize, seed, prefixReuse));
    }

    public Analysis cache(SensitivityCache c) {
        return keepCluster(new Analysis(model, data, runner, metric, progress, c, samples, batchSize, seed, prefixReuse));
    }

    /** Whether staged models start the forward pass at the first changed stage (on by default; off for comparison). */
    public Analysis prefixReuse(boolean on) {
        return keepCluster(new Analysis(model, data, null, metric, progress, cache, samples, batchSize, seed, on));
    }

    /** Measures configurations on this cluster (null: in this JVM); the cache and results are the same. */
    public Analysis cluster(Cluster c) {
        Analysis a = new Analysis(model, data, runner, metric, progress, cache, samples, batchSize, seed, prefixReuse);
        a.cluster = c;
        a.method = method;
        return a;
    }

    /**
     * Measures sensitivity, sweeps and search with this method (an algorithm from calibration statistics, the
     * session's prune and activation rules); {@link Method#RTN} by default. Scores are cached under the method's key.
     */
    public Analysis method(Method m) {
        Analysis a = new Analysis(model, data, runner, metric, progress, cache, samples, batchSize, seed, prefixReuse);
        a.cluster = cluster;
        a.method = m == null ? Method.RTN : m;
        return a;
    }

    public Method methodInUse() { return method; }

    private Analysis keepCluster(Analysis a) {
        a.cluster = cluster;
        a.method = method;
        return a;
    }

    /** What the method cannot do here: measure weight SQNR, or run on a cluster. */
    private void checkMethod() {
        if (method.plain()) return;
        if (metric == SensitivityMetric.WEIGHT_SQNR)
            throw new IllegalArgumentException("the weight SQNR measures the rounding of the weights alone, without data; " + method.label()
                    + " is measured on the model's outputs: set metric cosine, kl or loss");
        if (cluster != null)
            throw new IllegalArgumentException("a cluster measures round to nearest without rules; " + method.label()
                    + " is measured in this JVM: set cluster off");
    }

    /** The cluster measuring configurations, or null when this JVM does. */
    public Cluster clusterInUse() { return cluster; }

    /** The settings a remote copy of this analysis needs: at most this many samples, batch size, seed, stage reuse. */
    public int samplesSetting() { return samples; }

    public int batchSizeSetting() { return batchSize; }

    public long seedSetting() { return seed; }

    public boolean prefixReuseSetting() { return prefixReuse; }

    public Model model() { return model; }

    public Dataset data() { return data; }

    public SensitivityMetric metric() { return metric; }

    public Evaluator evaluator() { return runner.evaluator(); }

    public SensitivityCache cacheInUse() { return cache; }

    /** Configurations this analysis's runner measured (cache hits measure none). */
    public long evaluations() { return runner.evaluations(); }

    /** What scores measure and on what, e.g. {@code Δloss on calib (256 samples, seed 0)}. */
    public String describe() {
        String m = method.describe(this);
        return m.isEmpty() ? describeData() : describeData() + "; " + m;
    }

    private String describeData() {
        if (!metric.usesData()) return metric.labelWithUnit() + " of the weights (no data)";
        if (metric.estimated()) return onData() + (metric == SensitivityMetric.FISHER
                ? ", from backward passes of " + ProxySensitivity.fisherBatch(runner.evaluator().samples()) + " samples"
                : ", from each layer's inputs in one forward pass");
        return onData();
    }

    private String onData() {
        Evaluator ev = runner.evaluator();
        if (ev.streamWindow() > 0)   // a causal LM's windows: say how many tokens the scores rest on
            return metric.labelWithUnit() + " on " + data.name() + " (" + ev.samples() + " windows of " + ev.streamWindow() + " tokens, "
                    + ev.scoredTokens() + " tokens scored, seed " + seed + ")";
        return metric.labelWithUnit() + " on " + data.name() + " (" + ev.samples() + " samples, seed " + seed + ")";
    }

    /** Layers a search or table covers by default: weight matrices and kernels that are not kept by default. */
    public List<LayerRef> quantizableLayers() {
        return model.layers().stream()
                .filter(l -> !Planner.DEFAULT_KEPT.contains(l.kind()))
                .filter(l -> !l.weights().isEmpty() && l.weights().stream().allMatch(t -> t.shape().length >= 2 && t.dtype().equals("float32")))
                .toList();
    }

    // ---- sensitivity ------------------------------------------------------------------------------------

    /** This analysis as the lookup {@code where sensitivity < x} reads: computes a missing score on demand. */
    public Sensitivity sensitivity() {
        return new Sensitivity(this);
    }

    /** Sensitivity of the default layers ({@link #quantizableLayers()}) to each format. */
    public SensitivityTable sensitivity(List<Format> formats) {
        return sensitivity(quantizableLayers(), formats);
    }

    /** Sensitivity of each layer to each format, computing only what the cache lacks. */
    public SensitivityTable sensitivity(List<LayerRef> layers, List<Format> formats) {
        if (layers.isEmpty() || formats.isEmpty()) throw new IllegalArgumentException("a sensitivity table needs layers and formats");
        checkMethod();
        List<LayerRef> own = layers.stream().map(l -> model.layer(l.name())).toList();
        List<Object[]> missing = new ArrayList<>();
        for (LayerRef l : own)
            for (Format f : formats)
                if (known(l, f, metric).isEmpty()) missing.add(new Object[] {l, f});
        if (!missing.isEmpty()) {
            Tracker t = new Tracker("sensitivity of " + own.size() + " layers x " + formats.size() + " formats ("
                    + metric.label() + ")", missing.size(), progress);
            if (cluster != null && metric != SensitivityMetric.WEIGHT_SQNR && !metric.estimated()) {
                List<Map<String, Format>> configs = missing.stream().map(m -> Map.of(((LayerRef) m[0]).name(), (Format) m[1])).toList();
                List<Measured> got = cluster.measure(this, configs, steps(t));
                for (int i = 0; i < got.size(); i++) {
                    LayerRef l = (LayerRef) missing.get(i)[0];
                    Format f = (Format) missing.get(i)[1];
                    got.get(i).values().forEach((m, v) -> cache.put(key(l, f, m), v));
                }
                cache.flush(key((LayerRef) missing.get(0)[0], (Format) missing.get(0)[1], metric));
            } else {
                atFullPrecision(() -> {
                    for (Object[] m : missing) {
                        compute((LayerRef) m[0], (Format) m[1], t);
                        t.step();
                    }
                    return null;
                });
            }
        }
        double[][] v = new double[own.size()][formats.size()];
        for (int i = 0; i < own.size(); i++)
            for (int j = 0; j < formats.size(); j++)
                v[i][j] = known(own.get(i), formats.get(j), metric).orElseThrow();
        return new SensitivityTable(model.name(), own, formats, v, metric, describe());
    }

    /**
     * The layers' sensitivity to each format by two metrics, each computed as {@link #sensitivity(List, List)} would
     * with that metric (cached scores reused), timed, and compared: e.g. {@code fisher} against {@code loss}.
     */
    public SensitivityComparison compare(SensitivityMetric first, SensitivityMetric second, List<LayerRef> layers, List<Format> formats) {
        long t0 = System.nanoTime();
        SensitivityTable a = metric(first).sensitivity(layers, formats);
        double sa = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        SensitivityTable b = metric(second).sensitivity(layers, formats);
        double sb = (System.nanoTime() - t0) / 1e9;
        return new SensitivityComparison(a, sa, b, sb);
    }

    /** One score, from the cache or measured now. */
    double score(LayerRef layer, Format format) {
        LayerRef own = model.layer(layer.name());
        OptionalDouble k = known(own, format, metric);
        if (k.isPresent()) return k.getAsDouble();
        Tracker t = new Tracker("sensitivity of " + own.name() + " to " + format + " (" + metric.label() + ")", 1, progress);
        atFullPrecision(() -> {
            compute(own, format, t);
            return null;
        });
        t.step();
        return known(own, format, metric).orElseThrow();
    }

    OptionalDouble known(LayerRef layer, Format format, SensitivityMetric m) {
        return cache.get(key(layer, format, m));
    }

    private SensitivityCache.Key key(LayerRef layer, Format format, SensitivityMetric m) {
        String dataKey = m.usesData() ? data.hash() + "/" + runner.evaluator().samples() + " samples/batch " + batchSize : "-";
        return new SensitivityCache.Key(model.modelHash(), dataKey, m, format.toString() + method.key(), m.usesData() ? seed : 0, layer.name());
    }

    /** Measures a layer alone at a format: every output metric from one run (or the weight SQNR), cached. */
    private void compute(LayerRef layer, Format format, Tracker t) {
        SensitivityCache.Key any;
        if (metric.estimated()) {
            if (!method.plain())
                throw new IllegalArgumentException(metric.label() + " estimates round to nearest on the whole data; it does not take " + method.describe(this));
            // one gradient or statistics pass serves every layer: estimate them all at this format
            if (known(layer, format, metric).isPresent()) return;
            t.checkInterrupt();
            List<LayerRef> all = new ArrayList<>(metric == SensitivityMetric.HESSIAN ? linearLayers() : quantizableLayers());
            if (!all.contains(layer)) all.add(layer);
            ProxySensitivity.scores(metric, model, runner.evaluator(), ProxySensitivity.fisherBatch(runner.evaluator().samples()), all, format,
                    t::checkInterrupt)
                    .forEach((l, v) -> cache.put(key(l, format, metric), v));
            any = key(layer, format, metric);
        } else if (!method.plain()) {
            Measured m = measure(Map.of(layer, format), t);
            m.values().forEach((k, v) -> cache.put(key(layer, format, k), v));
            any = key(layer, format, metric);
        } else if (metric == SensitivityMetric.WEIGHT_SQNR) {
            t.checkInterrupt();
            any = key(layer, format, metric);
            cache.put(any, weightSqnr(layer, format));
        } else {
            Map<SensitivityMetric, Double> values;
            if (runner.streams(Map.of(layer, format))) {
                values = runner.measureStreaming(Map.of(layer, WeightTransform.fakeQuantize(format)), t).metrics(runner.referenceSums(t).loss());
            } else {
                float[][] out = runner.outputs(Map.of(layer, format), t);
                values = OutputMetrics.of(out, runner.reference(), runner.targets(), runner.referenceLoss());
            }
            values.forEach((m, v) -> cache.put(key(layer, format, m), v));
            any = key(layer, format, metric);
        }
        cache.flush(any);
    }

    /** The quantizable layers with one 2-D weight (what the Hessian proxy covers). */
    private List<LayerRef> linearLayers() {
        return quantizableLayers().stream().filter(l -> l.weights().size() == 1 && l.weight().shape().length == 2).toList();
    }

    /** 10·log10(Σw² / Σ(w − q(w))²) over the layer's weight tensors, each quantized as a swap would. */
    double weightSqnr(LayerRef layer, Format format) {
        double signal = 0, noise = 0;
        for (TensorRef t : layer.weights()) {
            float[] w = model.fullPrecisionWeights(t);
            float[] q = w.clone();
            long[] shape = t.shape();
            int[] dims = new int[shape.length];
            for (int i = 0; i < shape.length; i++) dims[i] = Math.toIntExact(shape[i]);
            WeightTransform.fitted(format, t).fakeQuantize(q, dims.length == 0 ? new int[] {q.length} : dims);
            for (int i = 0; i < w.length; i++) {
                double d = (double) q[i] - w[i];
                signal += (double) w[i] * w[i];
                noise += d * d;
            }
        }
        return io.precis.engine.metrics.Metrics.sqnrDb(signal, noise);
    }

    // ---- whole configurations -------------------------------------------------------------------------

    /** Runs one configuration and scores it with every metric and the evaluator's scores. */
    Measured measure(Map<LayerRef, Format> config, Tracker t) {
        if (!method.plain()) return measureByMethod(config, t);
        if (runner.streams(config)) {
            Map<Format, WeightTransform> byFormat = new LinkedHashMap<>();
            Map<LayerRef, WeightTransform> transforms = new LinkedHashMap<>();
            config.forEach((l, f) -> transforms.put(l, byFormat.computeIfAbsent(f, WeightTransform::fakeQuantize)));
            OutputSums ref = runner.referenceSums(t);
            long t0 = System.nanoTime();
            OutputSums sums = runner.measureStreaming(transforms, t);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Evaluation e = runner.evaluator().score(sums.loss(), sums.accuracy(), sums.kl(), seconds, describeConfig(config));
            return new Measured(sums.metrics(ref.loss()), e);
        }
        long t0 = System.nanoTime();
        float[][] out = runner.outputs(config, t);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<SensitivityMetric, Double> values = OutputMetrics.of(out, runner.reference(), runner.targets(), runner.referenceLoss());
        Evaluation e = runner.evaluator().score(out, seconds, describeConfig(config));
        return new Measured(values, e);
    }

    /** A configuration by the analysis's method: its weights (GPTQ/AWQ from stored statistics, pruned), its activation rules on. */
    private Measured measureByMethod(Map<LayerRef, Format> config, Tracker t) {
        checkMethod();
        Method.Applied ap = method.apply(this, config, t);
        String label = describeConfig(config) + ", " + method.label();
        if (runner.streams(config, ap.activations().quant.keySet())) {
            OutputSums ref = runner.referenceSums(t);
            long t0 = System.nanoTime();
            OutputSums sums = withActivations(ap.activations(), () -> runner.measureStreaming(ap.transforms(), t));
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Measured(sums.metrics(ref.loss()), runner.evaluator().score(sums.loss(), sums.accuracy(), sums.kl(), seconds, label));
        }
        long t0 = System.nanoTime();
        float[][] out = withActivations(ap.activations(), () -> runner.outputsWith(ap.transforms(), t));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<SensitivityMetric, Double> values = OutputMetrics.of(out, runner.reference(), runner.targets(), runner.referenceLoss());
        return new Measured(values, runner.evaluator().score(out, seconds, label));
    }

    /**
     * Measures configurations (layer name to format) in this JVM, in order, with the runner's reuse: what a
     * cluster's executor runs on its share.
     */
    public List<Measured> measureHere(List<Map<String, Format>> configs) {
        Tracker t = new Tracker("measure " + configs.size() + " configurations", configs.size(), Progress.NONE);
        return atFullPrecision(() -> {
            List<Measured> out = new ArrayList<>();
            for (Map<String, Format> c : configs) {
                Map<LayerRef, Format> config = new LinkedHashMap<>();
                c.forEach((n, f) -> config.put(model.layer(n), f));
                out.add(measure(config, t));
                t.step();
            }
            return out;
        });
    }

    /** Measures many configurations where this analysis measures: its cluster, or this JVM. */
    List<Measured> measureAll(List<Map<LayerRef, Format>> configs, Tracker t) {
        List<Map<String, Format>> named = new ArrayList<>();
        for (Map<LayerRef, Format> c : configs) {
            Map<String, Format> m = new LinkedHashMap<>();
            c.forEach((l, f) -> m.put(l.name(), f));
            named.add(m);
        }
        return cluster.measure(this, named, steps(t));
    }

    static Cluster.Steps steps(Tracker t) {
        return new Cluster.Steps() {
            @Override
            public void done(long done) {
                while (t.done() < done) t.step();
            }

            @Override
            public void checkInterrupt() {
                t.checkInterrupt();
            }
        };
    }

    /** A configuration's scores: every output metric, and the evaluator's scores. */
    public record Measured(Map<SensitivityMetric, Double> values, Evaluation evaluation) {
        /** The value of a metric; for weight SQNR (not an output metric) the output SQNR stands in. */
        double value(SensitivityMetric m) {
            // an estimate stands for what it estimates (Fisher: Δloss; the Hessian proxy: the task's default metric,
            // Δloss where there is a loss, else 1 − cosine)
            SensitivityMetric as = m == SensitivityMetric.HESSIAN
                    ? values.containsKey(SensitivityMetric.DELTA_LOSS) ? SensitivityMetric.DELTA_LOSS : SensitivityMetric.ONE_MINUS_COSINE
                    : m.measuredAs(null);
            Double v = values.get(as);
            return v == null ? Double.NaN : v;
        }
    }

    /** The configuration's formats, then the plan's sparsities ("12 layers int4, 6 layers 2:4 sparse"). */
    private static String describePlan(Plan plan, Map<LayerRef, Format> config) {
        Map<String, Integer> bySparsity = new LinkedHashMap<>();
        plan.pruned().forEach(l -> bySparsity.merge(l.sparsity() + " sparse", 1, Integer::sum));
        StringBuilder sb = new StringBuilder(config.isEmpty() && !bySparsity.isEmpty() ? "" : describeConfig(config));
        bySparsity.forEach((s, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(n == 1 ? " layer " : " layers ").append(s));
        Map<String, Integer> byActivation = new LinkedHashMap<>();
        plan.activations().values().forEach(a -> byActivation.merge("A " + a, 1, Integer::sum));
        byActivation.forEach((a, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(a).append(" on ").append(n).append(n == 1 ? " layer" : " layers"));
        return sb.toString();
    }

    static String describeConfig(Map<LayerRef, Format> config) {
        Map<String, Integer> byFormat = new LinkedHashMap<>();
        config.values().forEach(f -> byFormat.merge(f.toString(), 1, Integer::sum));
        StringBuilder sb = new StringBuilder();
        byFormat.forEach((f, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(n == 1 ? " layer " : " layers ").append(f));
        return sb.isEmpty() ? "full precision" : sb.toString();
    }

    /** Whole-model metric for each format applied to all of {@code layers} at once. */
    public Sweep sweep(List<LayerRef> layers, List<Format> formats) {
        Map<String, List<LayerRef>> one = new LinkedHashMap<>();
        one.put(layers.size() == quantizableLayers().size() && layers.containsAll(quantizableLayers()) ? "all quantizable layers"
                : layers.size() + " layers", layers);
        return sweep(one, formats);
    }

    /** For each group and format: the group alone at that format (the rest at full precision), measured. */
    public Sweep sweep(Map<String, List<LayerRef>> groups, List<Format> formats) {
        checkMethod();
        return Sweeps.run(this, groups, formats, progress);
    }

    /** A mixed-precision search over these layers and formats (sensitivities computed as needed). */
    public Search search(List<LayerRef> layers, List<Format> formats) {
        checkMethod();
        return new Search(this, layers, formats);
    }

    /**
     * Runs a plan whose rules name GPTQ or AWQ: its calibrated layers are computed from statistics captured on
     * {@code calibration} (the model at full precision, or sequentially), then the plan is scored like any other.
     * The evaluation says which samples calibrated and which evaluated, and warns when they share any.
     */
    public PlanEvaluation evaluate(Plan plan, io.precis.engine.calib.Calibration calibration) {
        if (!plan.needsCalibration()) return evaluate(plan);
        Tracker t = new Tracker("calibrate and evaluate plan (" + String.join("; ", plan.algorithms()) + ")", 2, progress);
        List<io.precis.engine.model.ModelInput> calInputs = calibration.inputs(model);
        io.precis.engine.calib.PlanQuantizer.Result q = atFullPrecision(() ->
                io.precis.engine.calib.PlanQuantizer.quantize(model, plan, calInputs, calibration.sequential(), t::checkInterrupt));
        t.step();
        Map<LayerRef, io.precis.engine.model.WeightTransform> transforms = new LinkedHashMap<>(q.transforms(model));
        ActivationSetup acts = activationSetup(plan, calInputs, calibration.seed(), transforms, t);
        long t0 = System.nanoTime();
        float[][] out = withActivations(acts, () -> atFullPrecision(() -> runner.outputsWith(transforms, t)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        t.step();
        Map<SensitivityMetric, Double> values = OutputMetrics.of(out, runner.reference(), runner.targets(), runner.referenceLoss());
        Map<LayerRef, Format> config = new LinkedHashMap<>();
        plan.formats().forEach((n, f) -> config.put(model.layer(n), f));
        Evaluation e = runner.evaluator().score(out, seconds, describePlan(plan, config) + ", " + String.join("; ", plan.algorithms()));
        Measured m = new Measured(values, e);
        Evaluation baseline = runner.evaluator().score(runner.reference(), 0, "full precision");
        io.precis.engine.calib.Calibration.Samples samples = io.precis.engine.calib.Calibration.Samples.of(calibration.data(), calInputs,
                data, runner.evaluator().inputs());
        return new PlanEvaluation(plan, metric.estimated() ? metric.measuredAs(model.task()) : metric, m.value(metric), m.values(), m.evaluation(), baseline, describe(),
                samples.text() + "; " + q.describe() + acts.describe(), samples);
    }

    /** Runs the plan for real: its metric, the evaluator's scores, against full precision. */
    public PlanEvaluation evaluate(Plan plan) {
        if (plan.needsCalibration())
            throw new IllegalArgumentException("the plan uses " + String.join("; ", plan.algorithms())
                    + (plan.hasStaticActivations() ? " and calibrated activation scales (static, smoothquant)" : "") + ", which need calibration data: "
                    + "evaluate(plan, Calibration.on(data))");
        ActivationSetup acts = activationSetup(plan, List.of(), 0, new LinkedHashMap<>(), null);
        return withActivations(acts, () -> evaluateWeights(plan));
    }

    /** Calibration rows kept per distinct layer input for SmoothQuant's α search and percentile/MSE clips. */
    public static final int ACTIVATION_ROWS = 1024;

    /**
     * The activation side of a plan: each quantized layer's quantizer, SmoothQuant's divisors (by layer), what was
     * chosen (searched α per group) and, once run, which layers' divisors were folded into a preceding norm.
     */
    static final class ActivationSetup {
        final Map<LayerRef, io.precis.engine.algo.ActivationQuant> quant = new LinkedHashMap<>();
        final Map<LayerRef, float[]> divisors = new LinkedHashMap<>();
        final List<String> alphas = new ArrayList<>();
        java.util.Set<LayerRef> folded = java.util.Set.of();

        String describe() {
            if (divisors.isEmpty()) return "";
            List<String> kept = new ArrayList<>();
            for (LayerRef l : divisors.keySet()) if (!folded.contains(l)) kept.add(l.name());
            return "; smoothquant " + String.join(", ", alphas) + "; scales folded into the preceding norm for "
                    + (folded.isEmpty() ? "no layer" : String.join(", ", folded.stream().map(LayerRef::name).toList()))
                    + (kept.isEmpty() ? "" : ", kept explicit for " + kept.size()
                    + " (their input also feeds other operations or comes from no norm, or the model is not an ONNX graph: GGUF and"
                    + " Precis's DJL blocks divide the input explicitly)");
        }
    }

    /**
     * The plan's activation quantizers and SmoothQuant. SmoothQuant per group of smoothed layers reading one input:
     * s from the calibration rows' max |x| (range 2·max) and the largest |W| over the group, as llm-compressor
     * computes it, with α fixed or searched ({@link io.precis.engine.algo.SmoothQuant#search}: the group's output
     * error on at most {@link #ACTIVATION_ROWS} calibration rows, never the evaluation rows). Each smoothed layer's
     * transform becomes W·diag(s), then its format; the input is divided by s before its quantizer (folded into the
     * preceding norm where the graph allows). Static scales are calibrated on the input as the quantizer sees it
     * (divided by s when smoothed). Round-to-nearest weights only.
     */
    private ActivationSetup activationSetup(Plan plan, List<io.precis.engine.model.ModelInput> calibration, long seed,
                                            Map<LayerRef, WeightTransform> transforms, Tracker t) {
        Runnable check = t == null ? null : t::checkInterrupt;
        return activationSetup(plan,
                ls -> atFullPrecision(() -> io.precis.engine.calib.Calibration.capture(model, calibration, ls, false, check)),
                ls -> atFullPrecision(() -> io.precis.engine.calib.Calibration.captureRows(model, calibration, ls, ACTIVATION_ROWS, seed, check)),
                transforms, check);
    }

    /**
     * As above, with the statistics and rows from elsewhere ({@link Method} keeps them across configurations, so a
     * sweep with activation rules does not capture them again per configuration).
     */
    ActivationSetup activationSetup(Plan plan, java.util.function.Function<List<LayerRef>, Map<String, io.precis.engine.calib.LayerStats>> capture,
                                    java.util.function.Function<List<LayerRef>, Map<String, float[]>> captureRows,
                                    Map<LayerRef, WeightTransform> transforms, Runnable check) {
        ActivationSetup out = new ActivationSetup();
        if (plan.activations().isEmpty()) return out;
        List<LayerRef> smoothed = new ArrayList<>(), stats = new ArrayList<>(), rows = new ArrayList<>();
        plan.activations().forEach((n, a) -> {
            LayerRef l = model.layer(n);
            if (a.smooth()) smoothed.add(l);
            if (a.needsCalibration()) stats.add(l);
            if (a.smoothSearch() || !a.dynamic() && a.range().kind() != io.precis.engine.plan.ActivationSpec.Range.Kind.ABSMAX) rows.add(l);
        });
        for (LayerRef l : smoothed) {
            io.precis.engine.plan.LayerPlan lp = plan.layer(l.name()).orElseThrow();
            if (lp.isPruned() || lp.isQuantized() && lp.algorithm().needsCalibration())
                throw new IllegalArgumentException(l.name() + ": smoothquant combines with round-to-nearest weights, not with "
                        + (lp.isPruned() ? "pruning" : lp.algorithm().name()));
        }
        Map<String, io.precis.engine.calib.LayerStats> st = stats.isEmpty() ? Map.of() : capture.apply(stats);
        Map<String, float[]> xs = rows.isEmpty() ? Map.of() : captureRows.apply(rows);
        // groups in model order (the first layer of each), for the report
        Map<io.precis.engine.calib.LayerStats, List<LayerRef>> byStats = new java.util.IdentityHashMap<>();
        List<Map.Entry<io.precis.engine.calib.LayerStats, List<LayerRef>>> groups = new ArrayList<>();
        for (LayerRef l : smoothed) {
            List<LayerRef> members = byStats.get(st.get(l.name()));
            if (members == null) {
                members = new ArrayList<>();
                byStats.put(st.get(l.name()), members);
                groups.add(Map.entry(st.get(l.name()), members));
            }
            members.add(l);
        }
        for (Map.Entry<io.precis.engine.calib.LayerStats, List<LayerRef>> g : groups) {
            if (check != null) check.run();
            List<LayerRef> ls = g.getValue();
            io.precis.engine.plan.ActivationSpec spec = plan.activations().get(ls.get(0).name());
            for (LayerRef l : ls) {
                io.precis.engine.plan.ActivationSpec o = plan.activations().get(l.name());
                if (o.smoothSearch() != spec.smoothSearch() || Double.compare(o.smoothAlpha(), spec.smoothAlpha()) != 0 || o.dynamic() != spec.dynamic()
                        || !o.range().equals(spec.range()) || o.element() != spec.element() || o.granularity() != spec.granularity()
                        || o.asymmetric() != spec.asymmetric())
                    throw new IllegalArgumentException(l.name() + " and " + ls.get(0).name() + " read the same input, so they share SmoothQuant's scales,"
                            + " but their activation rules differ (" + o + " vs " + spec + "): give them one rule");
            }
            int in = g.getKey().width();
            float[] range = g.getKey().maxAbs();
            for (int c = 0; c < in; c++) range[c] *= 2;
            List<io.precis.engine.algo.Awq.Weight> ws = new ArrayList<>();
            for (LayerRef l : ls) ws.add(rowsByInput(l, in));
            float[] s;
            String names = ls.get(0).name() + (ls.size() > 1 ? " (+" + (ls.size() - 1) + " sharing its input)" : "");
            if (spec.smoothSearch()) {
                float[] x = xs.get(ls.get(0).name());
                List<java.util.function.UnaryOperator<float[]>> qs = new ArrayList<>();
                for (int i = 0; i < ls.size(); i++) {
                    io.precis.engine.plan.LayerPlan lp = plan.layer(ls.get(i).name()).orElseThrow();
                    int outs = ws.get(i).rows();
                    qs.add(lp.isQuantized() ? w -> io.precis.engine.algo.QuantAlgorithm.RTN.quantize(w, outs, in, lp.format(), null) : w -> w);
                }
                io.precis.engine.algo.SmoothQuant.Search r = io.precis.engine.algo.SmoothQuant.search(x, x.length / in, in, range, ws, qs,
                        v -> spec.quantizer(spec.dynamic() ? 0 : spec.clip(v)), io.precis.engine.algo.SmoothQuant.ALPHAS);
                s = r.scales();
                out.alphas.add(String.format(java.util.Locale.ROOT, "%s α %.2f", names, r.alpha()));
            } else {
                s = io.precis.engine.algo.SmoothQuant.scales(range, ws, in, spec.smoothAlpha());
            }
            for (LayerRef l : ls) {
                out.divisors.put(l, s);
                WeightTransform base = transforms.get(l);
                int axis = l.weight().reductionAxis();
                transforms.put(l, WeightTransform.of((base == null ? "full precision" : base.label()) + ", smoothed", v -> {
                    float[] a = v.toArray();
                    int cols = axis == 0 ? a.length / in : in;
                    for (int i = 0; i < a.length; i++) a[i] *= s[axis == 0 ? i / cols : i % cols];
                    v.write(a);
                    if (base != null) base.apply(v);
                }));
            }
        }
        if (!out.divisors.isEmpty() && out.alphas.isEmpty()) out.alphas.add("α fixed by the rules");
        else if (!out.alphas.isEmpty()) out.alphas.set(0, "α searched on " + Math.min(ACTIVATION_ROWS, rowsOf(xs, smoothed)) + " calibration rows: " + out.alphas.get(0));
        plan.activations().forEach((n, a) -> {
            LayerRef l = model.layer(n);
            float clip = 0;
            if (!a.dynamic()) {
                float[] s = out.divisors.get(l);
                if (a.range().kind() == io.precis.engine.plan.ActivationSpec.Range.Kind.ABSMAX) {
                    float[] m = st.get(n).maxAbs();
                    for (int c = 0; c < m.length; c++) clip = Math.max(clip, s == null ? m[c] : m[c] / s[c]);
                } else {
                    float[] x = xs.get(n);
                    if (s != null) {
                        x = x.clone();
                        for (int i = 0; i < x.length; i++) x[i] /= s[i % s.length];
                    }
                    clip = a.clip(x);
                }
            }
            out.quant.put(l, a.quantizer(clip));
        });
        return out;
    }

    private static int rowsOf(Map<String, float[]> xs, List<LayerRef> layers) {
        for (LayerRef l : layers) {
            float[] x = xs.get(l.name());
            if (x != null) return x.length / Math.toIntExact(l.weight().shape()[l.weight().reductionAxis()]);
        }
        return 0;
    }

    /** A linear layer's full-precision weight as [out][in]. */
    private io.precis.engine.algo.Awq.Weight rowsByInput(LayerRef l, int in) {
        float[] w = model.fullPrecisionWeights(l.weight());
        int outs = w.length / in;
        if (l.weight().reductionAxis() == 1) return new io.precis.engine.algo.Awq.Weight(w, outs);
        float[] t = new float[w.length];
        for (int c = 0; c < in; c++)
            for (int o = 0; o < outs; o++) t[o * in + c] = w[c * outs + o];
        return new io.precis.engine.algo.Awq.Weight(t, outs);
    }

    /** Runs {@code work} with the layers' inputs quantized (the full-precision reference computed first, without). */
    private <T> T withActivations(ActivationSetup acts, Supplier<T> work) {
        if (acts.quant.isEmpty()) return work.get();
        runner.reference();
        acts.folded = model.quantizeActivations(acts.quant, acts.divisors);
        try {
            return work.get();
        } finally {
            model.quantizeActivations(Map.of(), Map.of());
        }
    }

    private PlanEvaluation evaluateWeights(Plan plan) {
        Map<LayerRef, Format> config = new LinkedHashMap<>();
        plan.formats().forEach((n, f) -> config.put(model.layer(n), f));
        Tracker t = new Tracker("evaluate plan (" + describePlan(plan, config) + ")", 1, progress);
        Measured m;
        if (plan.pruned().isEmpty() && plan.activations().isEmpty()) {
            m = atFullPrecision(() -> measure(config, t));
        } else {
            // Pruned layers change by their own transform (prune, then quantize); layers alike share one, so they swap together.
            Map<String, WeightTransform> alike = new LinkedHashMap<>();
            Map<LayerRef, WeightTransform> transforms = new LinkedHashMap<>();
            for (io.precis.engine.plan.LayerPlan l : plan.layers())
                if (l.isChanged()) transforms.put(model.layer(l.name()), alike.computeIfAbsent(l.formatText(), k -> l.transform()));
            m = atFullPrecision(() -> {
                long t0 = System.nanoTime();
                float[][] out = runner.outputsWith(transforms, t);
                double seconds = (System.nanoTime() - t0) / 1e9;
                Map<SensitivityMetric, Double> values = OutputMetrics.of(out, runner.reference(), runner.targets(), runner.referenceLoss());
                return new Measured(values, runner.evaluator().score(out, seconds, describePlan(plan, config)));
            });
        }
        t.step();
        Evaluation baseline;
        if (runner.streams(config)) {
            OutputSums ref = runner.referenceSums(t);
            baseline = runner.evaluator().score(ref.loss(), ref.accuracy(), 0, 0, "full precision");
        } else {
            baseline = runner.evaluator().score(runner.reference(), 0, "full precision");
        }
        return new PlanEvaluation(plan, metric.estimated() ? metric.measuredAs(model.task()) : metric, m.value(metric), m.values(), m.evaluation(), baseline, describe());
    }

    Progress progressListener() { return progress; }

    <T> T atFullPrecision(Supplier<T> work) {
        return model.atFullPrecision(work);
    }
}
