package io.precis.engine.analysis;

import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Html;
import io.precis.engine.figure.Palette;
import io.precis.engine.figure.TextTable;
import io.precis.engine.figure.Trace;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Two sensitivity tables of the same layers and formats side by side, usually an estimate ({@code fisher},
 * {@code hessian}) against the measured metric: both values per layer and format, their Spearman rank correlation
 * per format and over all cells, the time each took in this run, and a log-log scatter.
 */
public final class SensitivityComparison {
    private final SensitivityTable first;
    private final SensitivityTable second;
    private final double firstSeconds;
    private final double secondSeconds;

    SensitivityComparison(SensitivityTable first, double firstSeconds, SensitivityTable second, double secondSeconds) {
        if (!first.formats().equals(second.formats()) || first.layers().size() != second.layers().size())
            throw new IllegalArgumentException("the two tables cover different layers or formats");
        this.first = first;
        this.second = second;
        this.firstSeconds = firstSeconds;
        this.secondSeconds = secondSeconds;
    }

    /** The first table (the estimate, as the statement names it first). */
    public SensitivityTable first() { return first; }

    /** The second table (the measured one, as the statement names it second). */
    public SensitivityTable second() { return second; }

    /** Seconds the first table took in this run (nothing when its scores were cached). */
    public double firstSeconds() { return firstSeconds; }

    public double secondSeconds() { return secondSeconds; }

    /** Spearman's ρ between the two tables' damages at one format, over the layers. */
    public double spearman(Format format) {
        List<LayerRef> layers = first.layers();
        double[] a = new double[layers.size()], b = new double[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            a[i] = first.metric().damage(first.value(layers.get(i), format));
            b[i] = second.metric().damage(second.value(layers.get(i), format));
        }
        return Metrics.spearman(a, b);
    }

    /** Spearman's ρ over every (layer, format) cell; the formats' own order (int4 above int8) makes it higher than per format. */
    public double spearmanAll() {
        List<Double> a = new ArrayList<>(), b = new ArrayList<>();
        for (Format f : first.formats())
            for (LayerRef l : first.layers()) {
                a.add(first.metric().damage(first.value(l, f)));
                b.add(second.metric().damage(second.value(l, f)));
            }
        return Metrics.spearman(a.stream().mapToDouble(Double::doubleValue).toArray(), b.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private String name(SensitivityTable t) {
        return t.metric().labelWithUnit();
    }

    private List<String> header() {
        List<String> h = new ArrayList<>(List.of("layer", "kind", "params"));
        for (Format f : first.formats()) {
            h.add(f + ": " + first.metric().keyword());
            h.add(f + ": " + second.metric().keyword());
        }
        return h;
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        for (LayerRef l : first.layers()) {
            List<String> r = new ArrayList<>(List.of(l.name(), l.kind().label(), Long.toString(l.params())));
            for (Format f : first.formats()) {
                r.add(SensitivityTable.number(first.value(l, f)));
                r.add(SensitivityTable.number(second.value(l, f)));
            }
            rows.add(r);
        }
        return rows;
    }

    private Set<Integer> numericColumns() {
        Set<Integer> s = new java.util.HashSet<>();
        for (int i = 2; i < 3 + 2 * first.formats().size(); i++) s.add(i);
        return s;
    }

    private String caption() {
        return "Sensitivity of " + first.modelName() + ": " + first.metric().keyword() + " against " + second.metric().keyword();
    }

    /** Spearman per format and overall, then what each column is and how long it took. */
    public String note() {
        StringBuilder sb = new StringBuilder("Spearman rank correlation:");
        for (Format f : first.formats()) sb.append(String.format(Locale.ROOT, " %s %.3f;", f, spearman(f)));
        sb.append(String.format(Locale.ROOT, " all %d cells %.3f. ", first.layers().size() * first.formats().size(), spearmanAll()));
        sb.append(first.metric().keyword()).append(": ").append(first.describe()).append(String.format(Locale.ROOT, ", %.2f s", firstSeconds));
        sb.append(". ").append(second.metric().keyword()).append(": ").append(second.describe())
                .append(String.format(Locale.ROOT, ", %.2f s", secondSeconds)).append('.');
        if (Math.min(firstSeconds, secondSeconds) < 0.05) sb.append(" A time near 0 s: those scores were already cached.");
        return sb.toString();
    }

    public String toText() {
        return caption() + "\n" + TextTable.render(header(), rows(), numericColumns()) + note() + "\n";
    }

    public String toHtml() {
        return Html.table(caption(), header(), rows(), numericColumns(), note());
    }

    /**
     * Each layer at each format as a point, the first table's value across, the second's up, one colour per format.
     * An axis is logarithmic when most of its values are above zero (the SQNRs, in dB, stay linear); the points a log
     * axis cannot draw (a measured change at or below zero) are left out and counted in the summary.
     */
    public Figure figure() {
        boolean logX = mostlyPositive(first), logY = mostlyPositive(second);
        Figure.Builder b = Figure.builder(first.metric().keyword() + " vs " + second.metric().keyword() + " per layer (" + first.modelName() + ")")
                .x(logX ? Axis.log(name(first)) : Axis.linear(name(first)))
                .y(logY ? Axis.log(name(second)) : Axis.linear(name(second)));
        int k = 0, hidden = 0;
        for (Format f : first.formats()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            List<String> hover = new ArrayList<>();
            for (LayerRef l : first.layers()) {
                double x = first.value(l, f), y = second.value(l, f);
                if (logX && !(x > 0) || logY && !(y > 0)) {
                    hidden++;
                    continue;
                }
                xs.add(x);
                ys.add(y);
                hover.add(Html.escape(l.name()) + "<br>" + Html.escape(f.toString()) + ": " + first.metric().keyword() + " = "
                        + SensitivityTable.number(x) + ", " + second.metric().keyword() + " = " + SensitivityTable.number(y));
            }
            b.add(Trace.markers(f + String.format(Locale.ROOT, " (ρ = %.2f)", spearman(f)), xs, ys).hover(hover).color(Palette.color(k++)));
        }
        return b.summary(note() + (hidden > 0 ? " " + hidden + " points at or below 0 are not drawn on the log axes." : "")).build();
    }

    private static boolean mostlyPositive(SensitivityTable t) {
        if (!t.metric().higherIsWorse()) return false;
        int positive = 0, all = 0;
        for (LayerRef l : t.layers())
            for (Format f : t.formats()) {
                all++;
                if (t.value(l, f) > 0) positive++;
            }
        return positive * 2 >= all;
    }

    @Override
    public String toString() {
        return toText();
    }
}
