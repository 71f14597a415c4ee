package io.precis.engine.analysis;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Mixed precision: one format per layer (or full precision) for the least metric change within a budget of
 * bits per weight, or the fewest bits within a metric change.
 *
 * <p><b>What is exact and what is assumed.</b> The search minimises the <em>predicted</em> change: the sum
 * over layers of each layer's sensitivity at its format, measured alone ({@link SensitivityMetric#damage}:
 * the change itself for Δloss, KL and 1 − cosine; the noise-to-signal ratio for the SQNRs). That sum is an
 * approximation: it ignores interactions between layers (first order for Δloss; for KL, 1 − cosine and the
 * noise ratio it holds when the layers' errors are small and independent). Given that objective the
 * solution is exact: {@link ParetoSearch} computes the whole Pareto front of (bits, predicted change) by
 * dynamic programming with dominance pruning, without discretising bits or damages, and the answer is read
 * from it. Bits are exact storage (codes, scales, zero points) for each layer's shape. The chosen plan and
 * a few other points of the front are then measured for real, so the prediction error is shown.
 */
public final class Search {
    private final Analysis analysis;
    private final List<LayerRef> layers;
    private final List<Format> formats;
    private final boolean allowFullPrecision;
    private final int extraMeasurements;

    Search(Analysis analysis, List<LayerRef> layers, List<Format> formats) {
        this(analysis, layers, formats, true, 4);
    }

    private Search(Analysis analysis, List<LayerRef> layers, List<Format> formats, boolean allowFullPrecision, int extraMeasurements) {
        if (layers.isEmpty()) throw new IllegalArgumentException("a search needs at least one layer");
        if (formats.isEmpty()) throw new IllegalArgumentException("a search needs at least one format");
        this.analysis = analysis;
        this.layers = layers.stream().map(l -> analysis.model().layer(l.name())).toList();
        this.formats = List.copyOf(formats);
        this.allowFullPrecision = allowFullPrecision;
        this.extraMeasurements = extraMeasurements;
    }

    /** Whether a layer may stay at full precision (its stored width, e.g. 32 bits) as one more option; default yes. */
    public Search allowFullPrecision(boolean allow) {
        return new Search(analysis, layers, formats, allow, extraMeasurements);
    }

    /** How many front points besides the chosen one to measure for real (default 4, spread over the bits). */
    public Search measure(int points) {
        if (points < 0) throw new IllegalArgumentException("points to measure cannot be negative");
        return new Search(analysis, layers, formats, allowFullPrecision, points);
    }

    public List<LayerRef> layers() { return layers; }

    public List<Format> formats() { return formats; }

    /** Weight parameters of the searched layers (the budget's denominator). */
    public long weightParams() {
        return layers.stream().mapToLong(l -> l.weights().stream().mapToLong(TensorRef::params).sum()).sum();
    }

    /** The per-layer sensitivities the search sums (measured now where the cache lacks them). */
    public SensitivityTable sensitivities() {
        return analysis.sensitivity(layers, formats);
    }

    /** The whole front, nothing chosen; a few points measured. */
    public Frontier frontier() {
        return run(null, "the whole front");
    }

    /** The least predicted change with at most this many bits per weight over the searched layers. */
    public Frontier underBudget(double bitsPerWeight) {
        return run(front -> {
            double maxBits = bitsPerWeight * weightParams() * (1 + 1e-12);
            return ParetoSearch.minDamage(front, maxBits).orElseThrow(() -> new IllegalArgumentException(String.format(Locale.ROOT,
                    "budget %.4g bits/weight is below the cheapest plan for these layers (%.4g bits/weight)", bitsPerWeight,
                    front.get(0).bits() / (double) weightParams())));
        }, String.format(Locale.ROOT, "budget %.4g bits/weight", bitsPerWeight));
    }

    /**
     * The fewest bits whose predicted change is at most {@code maxChange} in the metric's units (for the SQNRs:
     * at least {@code maxChange} dB).
     */
    public Frontier withinChange(double maxChange) {
        SensitivityMetric m = analysis.metric();
        double maxDamage = m.damage(maxChange);
        return run(front -> ParetoSearch.minBits(front, maxDamage * (1 + 1e-12) + 1e-300).orElseThrow(() -> new IllegalArgumentException(
                "no plan keeps the predicted " + m.label() + " within " + maxChange + "; the best is " + SensitivityTable.number(
                        m.fromDamage(front.get(front.size() - 1).damage())))),
                (m.higherIsWorse() ? "predicted " + m.label() + " at most " : "predicted " + m.label() + " at least ")
                        + SensitivityTable.number(maxChange) + (m.unit().isEmpty() ? "" : " " + m.unit()));
    }

    private interface Chooser {
        ParetoSearch.Solution choose(List<ParetoSearch.Solution> front);
    }

    private Frontier run(Chooser chooser, String constraint) {
        SensitivityTable table = sensitivities();
        SensitivityMetric metric = analysis.metric();
        List<List<ParetoSearch.Option>> options = new ArrayList<>();
        List<List<Format>> labels = new ArrayList<>();
        for (LayerRef l : layers) {
            List<ParetoSearch.Option> o = new ArrayList<>();
            List<Format> f = new ArrayList<>();
            for (Format fmt : formats) {
                o.add(new ParetoSearch.Option(storageBits(l, fmt), metric.damage(table.value(l, fmt))));
                f.add(fmt);
            }
            if (allowFullPrecision) {
                long n = l.weights().stream().mapToLong(TensorRef::params).sum();
                o.add(new ParetoSearch.Option(Math.round(LayerPlanBits.fullPrecision(l) * n), 0));
                f.add(null);
            }
            options.add(o);
            labels.add(f);
        }
        Tracker check = new Tracker("search over " + layers.size() + " layers x " + options.get(0).size() + " choices", 0, Progress.NONE);
        List<ParetoSearch.Solution> front = ParetoSearch.front(options, check::checkInterrupt);
        ParetoSearch.Solution chosen = chooser == null ? null : chooser.choose(front);
        long n = weightParams();
        List<Frontier.Point> points = new ArrayList<>();
        int chosenIndex = -1;
        for (int i = 0; i < front.size(); i++) {
            ParetoSearch.Solution s = front.get(i);
            Map<String, Format> choice = new LinkedHashMap<>();
            int[] c = s.choice();
            for (int k = 0; k < layers.size(); k++) {
                Format f = labels.get(k).get(c[k]);
                if (f != null) choice.put(layers.get(k).name(), f);
            }
            points.add(new Frontier.Point(s.bits() / (double) n, s.damage(), metric.fromDamage(s.damage()), choice, OptionalDouble.empty(), null));
            if (s == chosen) chosenIndex = i;
        }
        // measure the chosen point and a few others spread along the front
        List<Integer> toMeasure = new ArrayList<>();
        if (chosenIndex >= 0) toMeasure.add(chosenIndex);
        int extra = Math.min(extraMeasurements, points.size());
        for (int j = 0; j < extra; j++) {
            int idx = extra == 1 ? points.size() / 2 : (int) Math.round(j * (points.size() - 1) / (double) (extra - 1));
            if (!toMeasure.contains(idx)) toMeasure.add(idx);
        }
        if (metric.usesData() && !toMeasure.isEmpty()) {
            Tracker t = new Tracker("measure " + toMeasure.size() + " plans of the front", toMeasure.size(), analysis.progressListener());
            if (analysis.clusterInUse() != null) {
                List<Map<LayerRef, Format>> configs = new ArrayList<>();
                for (int idx : toMeasure) {
                    Map<LayerRef, Format> config = new LinkedHashMap<>();
                    points.get(idx).formats().forEach((name, f) -> config.put(analysis.model().layer(name), f));
                    configs.add(config);
                }
                List<Analysis.Measured> got = analysis.measureAll(configs, t);
                for (int i = 0; i < toMeasure.size(); i++) {
                    int idx = toMeasure.get(i);
                    points.set(idx, points.get(idx).withMeasured(got.get(i).value(metric), got.get(i).evaluation()));
                }
            } else analysis.atFullPrecision(() -> {
                for (int idx : toMeasure) {
                    Frontier.Point p = points.get(idx);
                    Map<LayerRef, Format> config = new LinkedHashMap<>();
                    p.formats().forEach((name, f) -> config.put(analysis.model().layer(name), f));
                    Analysis.Measured m = analysis.measure(config, t);
                    points.set(idx, p.withMeasured(m.value(metric), m.evaluation()));
                    t.step();
                }
                return null;
            });
        }
        return new Frontier(analysis.model(), layers, points, chosenIndex, metric, analysis.describe(), constraint, table);
    }

    /** Stored bits of the layer's weights at the format: codes, scales and zero points, exact for each shape. */
    static long storageBits(LayerRef l, Format f) {
        double bits = 0;
        for (TensorRef t : l.weights()) bits += WeightTransform.bitsPerWeight(f, t) * t.params();
        return Math.round(bits);
    }

    /** Access to {@link LayerPlan}'s stored width without widening its API. */
    static final class LayerPlanBits {
        private LayerPlanBits() {}

        static double fullPrecision(LayerRef l) {
            return new LayerPlan(l, null, "", OptionalDouble.empty()).bits();
        }
    }
}
