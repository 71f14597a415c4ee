package io.precis.engine.analysis;

import io.precis.engine.eval.Evaluation;
import io.precis.engine.figure.Annotation;
import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Html;
import io.precis.engine.figure.Palette;
import io.precis.engine.figure.TextTable;
import io.precis.engine.figure.Trace;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The Pareto front of a mixed-precision search: every plan for which no other is both smaller and predicted
 * better, fewest bits first, with the chosen one (if a budget or limit chose one) and the measured metric of
 * the plans that were run for real. Predictions add the layers' sensitivities (see {@link Search}).
 */
public final class Frontier {

    /**
     * @param bits effective bits per weight over the searched layers, scales included
     * @param predictedDamage the summed damage ({@link SensitivityMetric#damage})
     * @param predicted the metric value the sum predicts
     * @param formats layer name to format, for the searched layers not kept at full precision
     * @param measured the metric measured with the whole plan applied, when it was run
     * @param evaluation the evaluator's scores of that run, or null
     */
    public record Point(double bits, double predictedDamage, double predicted, Map<String, Format> formats, OptionalDouble measured,
                        Evaluation evaluation) {
        public Point {
            formats = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(formats));
        }

        Point withMeasured(double value, Evaluation e) {
            return new Point(bits, predictedDamage, predicted, formats, OptionalDouble.of(value), e);
        }
    }

    private final Model model;
    private final List<LayerRef> layers;
    private final List<Point> points;
    private final int chosen;
    private final SensitivityMetric metric;
    private final String measuredOn;
    private final String constraint;
    private final SensitivityTable sensitivities;

    Frontier(Model model, List<LayerRef> layers, List<Point> points, int chosen, SensitivityMetric metric, String measuredOn, String constraint,
             SensitivityTable sensitivities) {
        this.model = model;
        this.layers = List.copyOf(layers);
        this.points = List.copyOf(points);
        this.chosen = chosen;
        this.metric = metric;
        this.measuredOn = measuredOn;
        this.constraint = constraint;
        this.sensitivities = sensitivities;
    }

    /** Fewest bits first; the predicted change falls strictly along the list. */
    public List<Point> points() { return points; }

    public Optional<Point> chosen() {
        return chosen < 0 ? Optional.empty() : Optional.of(points.get(chosen));
    }

    public int chosenIndex() { return chosen; }

    public SensitivityMetric metric() { return metric; }

    /** What the search asked: e.g. {@code budget 4.5 bits/weight}. */
    public String constraint() { return constraint; }

    /** The sensitivities the predictions sum. */
    public SensitivityTable sensitivities() { return sensitivities; }

    /** Searched layers. */
    public List<LayerRef> layers() { return layers; }

    public String describe() {
        return "search (" + constraint + ") over " + layers.size() + " layers: " + points.size() + " plans on the Pareto front; predicted "
                + metric.label() + " = sum of per-layer sensitivities, " + measuredOn;
    }

    /** The chosen plan; an error when nothing was chosen ({@link Search#frontier()}). */
    public Plan plan() {
        if (chosen < 0) throw new IllegalStateException("this front has no chosen plan; take one with plan(points().get(i))");
        return plan(points.get(chosen));
    }

    /** A point as a plan over the whole model: searched layers at their formats, the rest as they were. */
    public Plan plan(Point p) {
        String by = "search: " + constraint;
        List<LayerPlan> out = new ArrayList<>();
        java.util.Set<String> searched = new java.util.HashSet<>();
        for (LayerRef l : layers) searched.add(l.name());
        for (LayerRef l : model.layers()) {
            Format f = p.formats().get(l.name());
            if (f != null) {
                out.add(new LayerPlan(l, f, by, OptionalDouble.of(sensitivities.value(l, f))));
            } else if (searched.contains(l.name())) {
                out.add(new LayerPlan(l, null, by + " (kept at full precision)", OptionalDouble.empty()));
            } else {
                out.add(new LayerPlan(l, null, Planner.DEFAULT_KEPT.contains(l.kind()) ? "default (" + l.kind().label() + ")" : "not searched",
                        OptionalDouble.empty()));
            }
        }
        return new Plan(model.name(), out, List.of(), sensitivities.describe());
    }

    /** The points that were measured for real. */
    public List<Point> measured() {
        return points.stream().filter(p -> p.measured().isPresent()).toList();
    }

    private List<String> header() {
        return List.of("", "bits/weight", "predicted " + metric.label(), "measured " + (metric.estimated() ? metric.measuredAs(model.task()).label() : metric.label()), "formats");
    }

    private List<List<String>> rows(boolean all) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            if (!all && i != chosen && p.measured().isEmpty()) continue;
            rows.add(List.of(i == chosen ? "chosen" : "", String.format(Locale.ROOT, "%.3f", p.bits()), SensitivityTable.number(p.predicted()),
                    p.measured().isPresent() ? SensitivityTable.number(p.measured().getAsDouble()) : "", mix(p)));
        }
        return rows;
    }

    /** {@code 20 int4, 14 int8, 2 full precision}. */
    String mix(Point p) {
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        p.formats().values().forEach(f -> counts.merge(f.toString(), 1, Integer::sum));
        int fp = layers.size() - p.formats().size();
        StringBuilder sb = new StringBuilder();
        counts.forEach((f, c) -> sb.append(sb.isEmpty() ? "" : ", ").append(c).append(' ').append(f));
        if (fp > 0) sb.append(sb.isEmpty() ? "" : ", ").append(fp).append(" full precision");
        return sb.toString();
    }

    private String caption() {
        return "Pareto front of " + model.name() + " (" + constraint + "): " + measuredOn;
    }

    /** The chosen and measured plans (the whole front with {@link #toText(boolean)}). */
    public String toText() {
        return toText(false);
    }

    public String toText(boolean allPoints) {
        return caption() + "\n" + points.size() + " plans on the front" + (allPoints ? "" : "; chosen and measured ones:") + "\n"
                + TextTable.render(header(), rows(allPoints), Set.of(1, 2, 3)) + note() + "\n";
    }

    public String toHtml() {
        return Html.table(caption(), header(), rows(false), Set.of(1, 2, 3), points.size() + " plans on the front. " + note());
    }

    private String note() {
        return "Predicted = sum of the layers' sensitivities measured alone (additive assumption); measured = the whole plan run.";
    }

    /**
     * The front: bits per weight against predicted metric (hover: every layer's format), the measured plans,
     * and the chosen plan highlighted. At most 200 front points are drawn (evenly spread; chosen and measured
     * always), as hover text for thousands of plans would swamp a notebook.
     */
    public Figure figure() {
        List<Integer> shown = thin(200);
        boolean log = metric.higherIsWorse() && shown.stream().allMatch(i -> points.get(i).predicted() > 0)
                && measured().stream().allMatch(p -> p.measured().getAsDouble() > 0);
        // from 4 to 32 bits a linear axis squeezes the interesting low-bit end into a sliver
        String xTitle = "bits per weight over " + layers.size() + " searched layers";
        boolean wide = points.get(points.size() - 1).bits() >= 4 * points.get(0).bits();
        Figure.Builder b = Figure.builder("Pareto front: bits vs predicted " + metric.label() + " (" + model.name() + ")")
                .x(wide ? Axis.log(xTitle + " (log)") : Axis.linear(xTitle))
                .y(log ? Axis.log(metric.labelWithUnit()) : Axis.linear(metric.labelWithUnit()));
        b.add(Trace.linesAndMarkers("front (predicted)", shown.stream().map(i -> points.get(i).bits()).toList(),
                shown.stream().map(i -> points.get(i).predicted()).toList()).hover(shown.stream().map(i -> hover(points.get(i))).toList())
                .color(Palette.color(0)).size(5));
        List<Point> m = measured();
        if (!m.isEmpty())
            b.add(Trace.markers("measured", m.stream().map(Point::bits).toList(), m.stream().map(p -> p.measured().getAsDouble()).toList())
                    .hover(m.stream().map(p -> String.format(Locale.ROOT, "%.3f bits/weight<br>predicted %s<br>measured %s", p.bits(),
                            SensitivityTable.number(p.predicted()), SensitivityTable.number(p.measured().getAsDouble()))).toList())
                    .color(Palette.color(1)).symbol("diamond").size(9));
        String summary = points.size() + " plans on the front from " + String.format(Locale.ROOT, "%.3f", points.get(0).bits()) + " to "
                + String.format(Locale.ROOT, "%.3f", points.get(points.size() - 1).bits()) + " bits/weight. Metric: " + measuredOn + ".";
        if (chosen >= 0) {
            Point c = points.get(chosen);
            b.add(Trace.markers("chosen", List.of(c.bits()), List.of(c.predicted())).hover(List.of(hover(c))).color(Palette.HIGHLIGHT)
                    .symbol("star").size(16));
            String text = String.format(Locale.ROOT, "chosen: %.3f bits, predicted %s%s", c.bits(), SensitivityTable.number(c.predicted()),
                    c.measured().isPresent() ? ", measured " + SensitivityTable.number(c.measured().getAsDouble()) : "");
            b.annotate(new Annotation(c.bits(), c.predicted(), text, true));
            summary += " Chosen (" + constraint + "): " + text.substring("chosen: ".length()) + "; " + mix(c) + ".";
        }
        return b.summary(summary).build();
    }

    private List<Integer> thin(int max) {
        List<Integer> idx = new ArrayList<>();
        int n = points.size();
        for (int i = 0; i < n; i++) {
            boolean keep = n <= max || i == chosen || points.get(i).measured().isPresent()
                    || (long) i * (max - 1) / (n - 1) != (long) (i - 1) * (max - 1) / (n - 1) || i == 0;
            if (keep) idx.add(i);
        }
        return idx;
    }

    private String hover(Point p) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%.3f bits/weight, predicted %s = %s", p.bits(), metric.label(),
                SensitivityTable.number(p.predicted())));
        if (p.measured().isPresent()) sb.append(", measured ").append(SensitivityTable.number(p.measured().getAsDouble()));
        for (LayerRef l : layers) {
            Format f = p.formats().get(l.name());
            sb.append("<br>").append(Html.escape(l.name())).append(": ").append(f == null ? "full precision" : Html.escape(f.toString()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
