package io.precis.engine.analysis;

import io.precis.engine.figure.Annotation;
import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Html;
import io.precis.engine.figure.Palette;
import io.precis.engine.figure.TextTable;
import io.precis.engine.figure.Trace;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.plan.SensitivityLookup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Sensitivity of layers (rows) to formats (columns): each value is the metric when only that layer is at
 * that format. Every rendering names the metric and the data it was measured on.
 */
public final class SensitivityTable {
    private final String modelName;
    private final List<LayerRef> layers;
    private final List<Format> formats;
    private final double[][] values;
    private final SensitivityMetric metric;
    private final String measuredOn;

    SensitivityTable(String modelName, List<LayerRef> layers, List<Format> formats, double[][] values, SensitivityMetric metric,
                     String measuredOn) {
        this.modelName = modelName;
        this.layers = List.copyOf(layers);
        this.formats = List.copyOf(formats);
        this.values = new double[values.length][];
        for (int i = 0; i < values.length; i++) this.values[i] = values[i].clone();
        this.metric = metric;
        this.measuredOn = measuredOn;
    }

    public String modelName() { return modelName; }

    public List<LayerRef> layers() { return layers; }

    public List<Format> formats() { return formats; }

    public SensitivityMetric metric() { return metric; }

    /** What the values measure and on what data, e.g. {@code Δloss (nats) on calib (256 samples, seed 0)}. */
    public String describe() { return measuredOn; }

    public double value(LayerRef layer, Format format) {
        return value(layer.name(), format);
    }

    public double value(String layer, Format format) {
        int i = indexOfLayer(layer), j = formats.indexOf(format);
        if (i < 0) throw new IllegalArgumentException("layer '" + layer + "' is not in this table; it has " + layers.size() + " layers");
        if (j < 0) throw new IllegalArgumentException("format '" + format + "' is not in this table; it has " + formats);
        return values[i][j];
    }

    private int indexOfLayer(String name) {
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(name)) return i;
        return -1;
    }

    /** Layers ordered from most to least damaged at this format (for the SQNRs: lowest dB first). */
    public List<LayerRef> ranked(Format format) {
        int j = column(format);
        Comparator<Integer> byDamage = Comparator.comparingDouble(i -> metric.damage(values[i][j]));
        return IntStream.range(0, layers.size()).boxed().sorted(byDamage.reversed()).map(layers::get).toList();
    }

    private int column(Format format) {
        int j = formats.indexOf(format);
        if (j < 0) throw new IllegalArgumentException("format '" + format + "' is not in this table; it has " + formats);
        return j;
    }

    /** The table as a lookup of known scores (nothing is measured through it). */
    public SensitivityLookup lookup() {
        SensitivityTable t = this;
        return new SensitivityLookup() {
            @Override
            public double sensitivity(LayerRef layer, Format format) {
                return t.value(layer, format);
            }

            @Override
            public OptionalDouble known(LayerRef layer, Format format) {
                int i = indexOfLayer(layer.name()), j = formats.indexOf(format);
                return i < 0 || j < 0 ? OptionalDouble.empty() : OptionalDouble.of(values[i][j]);
            }

            @Override
            public String describe() {
                return measuredOn;
            }
        };
    }

    static String number(double v) {
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (Double.isNaN(v)) return "n/a";
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private List<String> header() {
        List<String> h = new ArrayList<>(List.of("layer", "kind", "params"));
        for (Format f : formats) h.add(f.toString());
        return h;
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerRef l = layers.get(i);
            List<String> r = new ArrayList<>(List.of(l.name(), l.kind().label(), Long.toString(l.params())));
            for (double v : values[i]) r.add(number(v));
            rows.add(r);
        }
        return rows;
    }

    private Set<Integer> numericColumns() {
        Set<Integer> s = new java.util.HashSet<>();
        for (int i = 2; i < 3 + formats.size(); i++) s.add(i);
        return s;
    }

    private String caption() {
        return "Sensitivity of " + modelName + ": " + describe();
    }

    private String note() {
        return "Each value: only that layer at that format, every other layer at full precision."
                + (metric.higherIsWorse() ? " Higher is more sensitive." : " Lower dB is more sensitive.");
    }

    public String toText() {
        return caption() + "\n" + TextTable.render(header(), rows(), numericColumns()) + note() + "\n";
    }

    public String toHtml() {
        return Html.table(caption(), header(), rows(), numericColumns(), note());
    }

    /** Sorted per-layer bars at the format with the fewest bits per weight. */
    public Figure figure() {
        Format lowest = formats.stream().min(Comparator.comparingDouble(Format::bitsPerWeight)).orElseThrow();
        return figure(lowest);
    }

    /**
     * Per-layer bars at one format, most sensitive first, coloured by layer kind; a log axis for the changes
     * (values at or below zero are listed in the summary, a log axis cannot draw them), linear for the SQNRs.
     */
    public Figure figure(Format format) {
        int j = column(format);
        List<LayerRef> order = ranked(format);
        boolean log = metric.higherIsWorse() && order.stream().filter(l -> values[layers.indexOf(l)][j] > 0).count() * 2 >= order.size();
        Map<String, List<LayerRef>> byKind = new LinkedHashMap<>();
        for (LayerRef l : order) byKind.computeIfAbsent(l.kind().label(), k -> new ArrayList<>()).add(l);
        Figure.Builder b = Figure.builder("Sensitivity to " + format + " per layer (" + modelName + ")")
                .x(Axis.linear("layer (most sensitive first)"))
                .y(log ? Axis.log(metric.labelWithUnit()) : Axis.linear(metric.labelWithUnit()));
        // one trace per kind, in rank order overall: Plotly keeps the category order of first appearance
        Map<String, Integer> rank = new LinkedHashMap<>();
        for (int r = 0; r < order.size(); r++) rank.put(order.get(r).name(), r);
        for (Map.Entry<String, List<LayerRef>> e : byKind.entrySet()) {
            List<String> names = e.getValue().stream().map(LayerRef::name).toList();
            List<Double> ys = e.getValue().stream().map(l -> values[layers.indexOf(l)][j]).toList();
            List<String> hover = e.getValue().stream().map(l -> Html.escape(l.name()) + "<br>" + l.kind().label() + ", rank "
                    + (rank.get(l.name()) + 1) + "<br>" + Html.escape(format.toString()) + ": " + metric.label() + " = "
                    + number(values[layers.indexOf(l)][j])).toList();
            b.add(Trace.bars(e.getKey(), names, ys).color(Palette.forKind(e.getKey())).hover(hover));
        }
        long hidden = log ? order.stream().filter(l -> values[layers.indexOf(l)][j] <= 0).count() : 0;
        LayerRef top = order.get(0);
        String summary = "Metric: " + describe() + ". Most sensitive: " + top.name() + " (" + number(values[layers.indexOf(top)][j])
                + "); least: " + order.get(order.size() - 1).name() + " (" + number(values[layers.indexOf(order.get(order.size() - 1))][j]) + ")."
                + (hidden > 0 ? " " + hidden + " layers at or below 0 are not drawn on the log axis." : "");
        b.annotate(new Annotation(top.name(), values[layers.indexOf(top)][j], "most sensitive", true));
        return b.summary(summary).build();
    }

    @Override
    public String toString() {
        return toText();
    }
}
