package io.precis.engine.figure;

import java.util.ArrayList;
import java.util.List;

/**
 * One series of a {@link Figure}, shaped like a Plotly trace: points (x, y) drawn as lines, markers or bars,
 * with optional hover text, labels drawn beside the points, and a colour per trace or per point.
 *
 * @param x numbers, or strings for categories (bars over layer names)
 * @param y numbers; NaN or infinite values are drawn as gaps
 * @param hoverText one line per point shown on hover (may contain {@code <br>}), or empty
 * @param labels text drawn next to each point, or empty
 * @param color the trace's colour ({@code #rrggbb}), or null for the palette's next
 * @param colors a colour per point, or empty
 * @param size marker size in pixels (0: default)
 * @param symbol Plotly marker symbol ({@code circle}, {@code star}, {@code diamond}...), or null
 * @param barWidth width of bars in x units (numeric x only), or NaN for the default
 */
public record Trace(Type type, Mode mode, String name, List<Object> x, List<Double> y, List<String> hoverText, List<String> labels,
                    String color, List<String> colors, double size, String symbol, double barWidth, boolean showLegend) {

    public enum Type { SCATTER, BAR }

    public enum Mode {
        LINES("lines"), MARKERS("markers"), LINES_MARKERS("lines+markers");

        private final String plotly;

        Mode(String plotly) { this.plotly = plotly; }

        public String plotly() { return plotly; }

        public boolean lines() { return this != MARKERS; }

        public boolean markers() { return this != LINES; }
    }

    public Trace {
        x = List.copyOf(x);
        y = new ArrayList<>(y).stream().map(v -> v == null ? Double.NaN : v).toList();
        hoverText = List.copyOf(hoverText);
        labels = List.copyOf(labels);
        colors = List.copyOf(colors);
        if (x.size() != y.size()) throw new IllegalArgumentException(name + ": " + x.size() + " x values for " + y.size() + " y values");
        if (!hoverText.isEmpty() && hoverText.size() != x.size())
            throw new IllegalArgumentException(name + ": " + hoverText.size() + " hover texts for " + x.size() + " points");
        if (!labels.isEmpty() && labels.size() != x.size())
            throw new IllegalArgumentException(name + ": " + labels.size() + " labels for " + x.size() + " points");
        if (!colors.isEmpty() && colors.size() != x.size())
            throw new IllegalArgumentException(name + ": " + colors.size() + " colours for " + x.size() + " points");
    }

    public static Trace lines(String name, List<? extends Number> x, List<Double> y) {
        return scatter(Mode.LINES, name, new ArrayList<>(x), y);
    }

    public static Trace linesAndMarkers(String name, List<? extends Number> x, List<Double> y) {
        return scatter(Mode.LINES_MARKERS, name, new ArrayList<>(x), y);
    }

    public static Trace markers(String name, List<? extends Number> x, List<Double> y) {
        return scatter(Mode.MARKERS, name, new ArrayList<>(x), y);
    }

    /** Bars over categories (e.g. layer names). */
    public static Trace bars(String name, List<String> categories, List<Double> y) {
        return new Trace(Type.BAR, Mode.MARKERS, name, new ArrayList<>(categories), y, List.of(), List.of(), null, List.of(), 0, null,
                Double.NaN, true);
    }

    /** Bars at numeric positions of the given width (a histogram's bins). */
    public static Trace bars(String name, List<? extends Number> centres, List<Double> y, double width) {
        return new Trace(Type.BAR, Mode.MARKERS, name, new ArrayList<>(centres), y, List.of(), List.of(), null, List.of(), 0, null, width,
                true);
    }

    private static Trace scatter(Mode mode, String name, List<Object> x, List<Double> y) {
        return new Trace(Type.SCATTER, mode, name, x, y, List.of(), List.of(), null, List.of(), 0, null, Double.NaN, true);
    }

    public Trace hover(List<String> text) {
        return new Trace(type, mode, name, x, y, text, labels, color, colors, size, symbol, barWidth, showLegend);
    }

    public Trace labels(List<String> text) {
        return new Trace(type, mode, name, x, y, hoverText, text, color, colors, size, symbol, barWidth, showLegend);
    }

    public Trace color(String c) {
        return new Trace(type, mode, name, x, y, hoverText, labels, c, colors, size, symbol, barWidth, showLegend);
    }

    public Trace colors(List<String> c) {
        return new Trace(type, mode, name, x, y, hoverText, labels, color, c, size, symbol, barWidth, showLegend);
    }

    public Trace size(double pixels) {
        return new Trace(type, mode, name, x, y, hoverText, labels, color, colors, pixels, symbol, barWidth, showLegend);
    }

    public Trace symbol(String plotlySymbol) {
        return new Trace(type, mode, name, x, y, hoverText, labels, color, colors, size, plotlySymbol, barWidth, showLegend);
    }

    public Trace showLegend(boolean show) {
        return new Trace(type, mode, name, x, y, hoverText, labels, color, colors, size, symbol, barWidth, show);
    }

    /** Whether x holds categories (strings) rather than numbers. */
    public boolean categorical() {
        return !x.isEmpty() && x.get(0) instanceof String;
    }

    public int points() {
        return x.size();
    }

    double xNumber(int i) {
        return x.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
