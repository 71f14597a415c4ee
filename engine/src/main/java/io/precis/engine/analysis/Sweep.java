package io.precis.engine.analysis;

import io.precis.engine.eval.Evaluation;
import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Html;
import io.precis.engine.figure.Palette;
import io.precis.engine.figure.TextTable;
import io.precis.engine.figure.Trace;
import io.precis.engine.format.Format;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A metric against precision: for each layer group and format, the group quantized to that format (every
 * other layer at full precision) and measured. With one group of all layers it is the whole model's
 * precision-vs-loss curve.
 */
public final class Sweep {

    /**
     * @param group the group's name (e.g. {@code all quantizable layers}, {@code linear}, {@code *.attention.*})
     * @param layers how many layers the group holds
     * @param bits effective bits per weight over the group's weights, scales included
     * @param value the metric
     * @param evaluation the evaluator's scores for the same run (loss, accuracy, cosine...)
     */
    public record Point(String group, int layers, Format format, double bits, double value, Evaluation evaluation) {}

    private final String modelName;
    private final List<Point> points;
    private final SensitivityMetric metric;
    private final String measuredOn;

    Sweep(String modelName, List<Point> points, SensitivityMetric metric, String measuredOn) {
        this.modelName = modelName;
        this.points = List.copyOf(points);
        this.metric = metric;
        this.measuredOn = measuredOn;
    }

    public String modelName() { return modelName; }

    public List<Point> points() { return points; }

    public SensitivityMetric metric() { return metric; }

    /** What the values measure and on what data. */
    public String describe() { return measuredOn; }

    public List<String> groups() {
        return points.stream().map(Point::group).distinct().toList();
    }

    public List<Format> formats() {
        return points.stream().map(Point::format).distinct().toList();
    }

    public double value(String group, Format format) {
        return points.stream().filter(p -> p.group().equals(group) && p.format().equals(format)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no point for group '" + group + "' at " + format + "; groups: " + groups()))
                .value();
    }

    private List<String> header() {
        return List.of("group", "layers", "format", "bits/weight", metric.labelWithUnit());
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        for (Point p : points)
            rows.add(List.of(p.group(), Integer.toString(p.layers()), p.format().toString(), String.format(Locale.ROOT, "%.3f", p.bits()),
                    SensitivityTable.number(p.value())));
        return rows;
    }

    private String caption() {
        return "Sweep of " + modelName + ": " + describe();
    }

    public String toText() {
        return caption() + "\n" + TextTable.render(header(), rows(), Set.of(1, 3, 4));
    }

    public String toHtml() {
        return Html.table(caption(), header(), rows(), Set.of(1, 3, 4), "Each row: that group at that format, the rest at full precision.");
    }

    /** The metric against bits per weight, one line per group, each point labelled with its format. */
    public Figure figure() {
        boolean log = metric.higherIsWorse() && points.stream().allMatch(p -> p.value() > 0)
                && points.stream().mapToDouble(Point::value).max().orElse(1) / points.stream().mapToDouble(Point::value).min().orElse(1) > 30;
        Figure.Builder b = Figure.builder((groups().size() == 1 ? "Precision vs " : "Precision vs " ) + metric.label() + " (" + modelName + ")")
                .x(Axis.linear("bits per weight (scales included)"))
                .y(log ? Axis.log(metric.labelWithUnit()) : Axis.linear(metric.labelWithUnit()));
        int i = 0;
        Map<String, List<Point>> byGroup = new LinkedHashMap<>();
        for (Point p : points) byGroup.computeIfAbsent(p.group(), k -> new ArrayList<>()).add(p);
        for (Map.Entry<String, List<Point>> e : byGroup.entrySet()) {
            List<Point> ps = e.getValue().stream().sorted(Comparator.comparingDouble(Point::bits)).toList();
            b.add(Trace.linesAndMarkers(e.getKey(), ps.stream().map(Point::bits).toList(), ps.stream().map(Point::value).toList())
                    .labels(ps.stream().map(p -> p.format().name()).toList())
                    .hover(ps.stream().map(p -> Html.escape(e.getKey()) + " at " + Html.escape(p.format().toString()) + "<br>"
                            + String.format(Locale.ROOT, "%.3f bits/weight", p.bits()) + "<br>" + metric.label() + " = "
                            + SensitivityTable.number(p.value())).toList())
                    .color(Palette.color(i++)));
        }
        Point worst = points.stream().max(Comparator.comparingDouble(p -> metric.damage(p.value()))).orElseThrow();
        return b.summary("Metric: " + describe() + ". Worst: " + worst.group() + " at " + worst.format() + " ("
                + SensitivityTable.number(worst.value()) + ").").build();
    }

    @Override
    public String toString() {
        return toText();
    }
}
