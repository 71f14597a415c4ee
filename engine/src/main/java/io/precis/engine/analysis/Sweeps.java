package io.precis.engine.analysis;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.model.TensorRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs sweeps, and builds the usual layer groups: by kind, or by patterns. */
public final class Sweeps {
    private Sweeps() {}

    static Sweep run(Analysis a, Map<String, List<LayerRef>> groups, List<Format> formats, Progress progress) {
        if (groups.isEmpty() || formats.isEmpty()) throw new IllegalArgumentException("a sweep needs layers and formats");
        groups.forEach((g, ls) -> {
            if (ls.isEmpty()) throw new IllegalArgumentException("layer group '" + g + "' is empty");
        });
        Tracker t = new Tracker("sweep of " + groups.size() + (groups.size() == 1 ? " group" : " groups") + " x " + formats.size()
                + " formats (" + a.metric().label() + ")", (long) groups.size() * formats.size(), progress);
        List<Sweep.Point> points = new ArrayList<>();
        if (a.clusterInUse() != null && a.metric() != SensitivityMetric.WEIGHT_SQNR) {
            // the same configurations, measured on the cluster; the points are built here in the same order
            List<Map<LayerRef, Format>> configs = new ArrayList<>();
            List<Object[]> where = new ArrayList<>();
            for (Map.Entry<String, List<LayerRef>> g : groups.entrySet()) {
                List<LayerRef> own = g.getValue().stream().map(l -> a.model().layer(l.name())).toList();
                for (Format f : formats) {
                    Map<LayerRef, Format> config = new LinkedHashMap<>();
                    for (LayerRef l : own) config.put(l, f);
                    configs.add(config);
                    where.add(new Object[] {g.getKey(), own, f});
                }
            }
            List<Analysis.Measured> got = a.measureAll(configs, t);
            for (int i = 0; i < got.size(); i++) {
                @SuppressWarnings("unchecked") List<LayerRef> own = (List<LayerRef>) where.get(i)[1];
                Format f = (Format) where.get(i)[2];
                points.add(new Sweep.Point((String) where.get(i)[0], own.size(), f, bits(own, f), got.get(i).value(a.metric()),
                        got.get(i).evaluation()));
            }
            return new Sweep(a.model().name(), points, a.metric(), a.describe());
        }
        a.atFullPrecision(() -> {
            for (Map.Entry<String, List<LayerRef>> g : groups.entrySet()) {
                List<LayerRef> own = g.getValue().stream().map(l -> a.model().layer(l.name())).toList();
                for (Format f : formats) {
                    Map<LayerRef, Format> config = new LinkedHashMap<>();
                    for (LayerRef l : own) config.put(l, f);
                    double value;
                    io.precis.engine.eval.Evaluation e = null;
                    if (a.metric() == SensitivityMetric.WEIGHT_SQNR) {
                        t.checkInterrupt();
                        value = weightSqnr(a, own, f);
                    } else {
                        Analysis.Measured m = a.measure(config, t);
                        value = m.value(a.metric());
                        e = m.evaluation();
                    }
                    points.add(new Sweep.Point(g.getKey(), own.size(), f, bits(own, f), value, e));
                    t.step();
                }
            }
            return null;
        });
        return new Sweep(a.model().name(), points, a.metric(), a.describe());
    }

    /**
     * Several sweeps as one, each under its name (a sweep of one group) or "name: group": one curve per sweep in one
     * figure, e.g. the same layers measured with rtn, gptq and awq. They must share the model and metric.
     */
    public static Sweep together(Map<String, Sweep> named) {
        if (named.isEmpty()) throw new IllegalArgumentException("no sweep to put together");
        Sweep first = named.values().iterator().next();
        List<Sweep.Point> points = new ArrayList<>();
        List<String> on = new ArrayList<>();
        for (Map.Entry<String, Sweep> e : named.entrySet()) {
            Sweep s = e.getValue();
            if (s.metric() != first.metric())
                throw new IllegalArgumentException("sweep '" + e.getKey() + "' measures " + s.metric().label() + ", not " + first.metric().label());
            for (Sweep.Point p : s.points())
                points.add(new Sweep.Point(s.groups().size() == 1 ? e.getKey() : e.getKey() + ": " + p.group(), p.layers(), p.format(), p.bits(),
                        p.value(), p.evaluation()));
            on.add(e.getKey() + ": " + s.describe());
        }
        return new Sweep(first.modelName(), points, first.metric(), String.join(" | ", on));
    }

    /** Effective bits per weight of the layers' weights at a format, scales and zero points included. */
    static double bits(List<LayerRef> layers, Format f) {
        double bits = 0;
        long n = 0;
        for (LayerRef l : layers)
            for (TensorRef t : l.weights()) {
                bits += WeightTransform.bitsPerWeight(f, t) * t.params();
                n += t.params();
            }
        return n == 0 ? f.bitsPerWeight() : bits / n;
    }

    /** Weight SQNR of a group: total signal over total noise across its layers. */
    private static double weightSqnr(Analysis a, List<LayerRef> layers, Format f) {
        double nsr = 0, weight = 0;
        for (LayerRef l : layers) {
            double params = l.weights().stream().mapToLong(TensorRef::params).sum();
            nsr += Math.pow(10, -a.weightSqnr(l, f) / 10) * params;
            weight += params;
        }
        return -10 * Math.log10(nsr / weight);
    }

    /** One group per layer kind present, in model order ({@code linear}, {@code conv}, {@code head}...). */
    public static Map<String, List<LayerRef>> byKind(List<LayerRef> layers) {
        Map<String, List<LayerRef>> m = new LinkedHashMap<>();
        for (LayerRef l : layers) m.computeIfAbsent(l.kind().label(), k -> new ArrayList<>()).add(l);
        return m;
    }

    /** One group per pattern (glob as the language reads it), each with the layers it matches; empty groups are an error. */
    public static Map<String, List<LayerRef>> byPatterns(List<LayerRef> layers, List<String> globs) {
        Map<String, List<LayerRef>> m = new LinkedHashMap<>();
        for (String g : globs) {
            LayerPattern p = LayerPattern.glob(g);
            List<LayerRef> matched = layers.stream().filter(l -> p.matches(l.name())).toList();
            if (matched.isEmpty()) throw new IllegalArgumentException("pattern '" + g + "' matches no layer");
            m.put(g, matched);
        }
        return m;
    }

    /** Layers of the given kinds. */
    public static List<LayerRef> ofKind(List<LayerRef> layers, LayerKind... kinds) {
        List<LayerKind> k = List.of(kinds);
        return layers.stream().filter(l -> k.contains(l.kind())).toList();
    }
}
