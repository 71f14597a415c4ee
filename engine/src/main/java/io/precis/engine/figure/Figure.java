package io.precis.engine.figure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small, Plotly-shaped figure: traces (scatter as lines and/or markers, bars), two axes (linear or log), a
 * title, annotations and vertical marker lines. {@link #toPlotlyJson()} gives Plotly's own schema
 * ({@code {"data": [...], "layout": {...}}}); {@link #toPng} draws the same figure in Java (JFreeChart, headless);
 * {@link #describe()} says in words what it shows. Immutable; build with {@link #builder}.
 */
public final class Figure {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String title;
    private final List<Trace> traces;
    private final Axis xAxis;
    private final Axis yAxis;
    private final List<Annotation> annotations;
    private final List<Double> verticalLines;
    private final String verticalLineColor;
    private final String summary;

    private Figure(Builder b) {
        this.title = b.title;
        this.traces = List.copyOf(b.traces);
        this.xAxis = b.xAxis;
        this.yAxis = b.yAxis;
        this.annotations = List.copyOf(b.annotations);
        this.verticalLines = List.copyOf(b.verticalLines);
        this.verticalLineColor = b.verticalLineColor;
        this.summary = b.summary;
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    public String title() { return title; }

    public List<Trace> traces() { return traces; }

    public Axis xAxis() { return xAxis; }

    public Axis yAxis() { return yAxis; }

    public List<Annotation> annotations() { return annotations; }

    /** x positions of vertical lines drawn across the plot (e.g. a quantization grid). */
    public List<Double> verticalLines() { return verticalLines; }

    public String verticalLineColor() { return verticalLineColor; }

    /** One line the figure's maker wrote about what it shows (may be empty). */
    public String summary() { return summary; }

    /** The figure in Plotly's schema as maps and lists (NaN and infinities become null). */
    public Map<String, Object> toPlotly() {
        List<Object> data = new ArrayList<>();
        for (int i = 0; i < traces.size(); i++) data.add(trace(traces.get(i), i));
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("title", Map.of("text", title));
        layout.put("xaxis", axis(xAxis, traces.stream().anyMatch(Trace::categorical)));
        layout.put("yaxis", axis(yAxis, false));
        layout.put("showlegend", traces.stream().filter(Trace::showLegend).count() > 1);
        layout.put("hovermode", "closest");
        if (traces.stream().anyMatch(t -> t.type() == Trace.Type.BAR)) {
            layout.put("barmode", "group");
            layout.put("bargap", 0.15);
        }
        if (!annotations.isEmpty()) {
            List<Object> anns = new ArrayList<>();
            for (Annotation a : annotations) {
                Map<String, Object> m = new LinkedHashMap<>();
                // Plotly places annotations on log axes in log10 units
                m.put("x", a.x() instanceof Number n ? plotlyCoordinate(n.doubleValue(), xAxis.log()) : a.x());
                m.put("y", plotlyCoordinate(a.y(), yAxis.log()));
                m.put("text", a.text());
                m.put("showarrow", a.arrow());
                if (a.arrow()) m.put("arrowhead", 2);
                anns.add(m);
            }
            layout.put("annotations", anns);
        }
        if (!verticalLines.isEmpty()) {
            List<Object> shapes = new ArrayList<>();
            for (double x : verticalLines) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("type", "line");
                s.put("xref", "x");
                s.put("yref", "paper");
                s.put("x0", finite(x));
                s.put("x1", finite(x));
                s.put("y0", 0);
                s.put("y1", 1);
                s.put("line", Map.of("color", verticalLineColor, "width", 1, "dash", "dot"));
                shapes.add(s);
            }
            layout.put("shapes", shapes);
        }
        Map<String, Object> fig = new LinkedHashMap<>();
        fig.put("data", data);
        fig.put("layout", layout);
        return fig;
    }

    private static Object plotlyCoordinate(double v, boolean log) {
        return finite(log ? (v > 0 ? Math.log10(v) : Double.NaN) : v);
    }

    private static Map<String, Object> trace(Trace t, int index) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", t.type() == Trace.Type.BAR ? "bar" : "scatter");
        if (t.type() == Trace.Type.SCATTER) m.put("mode", t.mode().plotly());
        m.put("name", t.name());
        m.put("x", t.x().stream().map(v -> v instanceof Number n ? finite(n.doubleValue()) : v).toList());
        m.put("y", t.y().stream().map(Figure::finite).toList());
        if (!t.hoverText().isEmpty()) {
            m.put("hovertext", t.hoverText());
            m.put("hoverinfo", "text");
        }
        if (!t.labels().isEmpty()) {
            m.put("text", t.labels());
            if (t.type() == Trace.Type.SCATTER) {
                m.put("mode", t.mode().plotly() + "+text");
                m.put("textposition", "top center");
                m.put("cliponaxis", false); // a label above the highest point would otherwise be cut at the plot's edge
            } else {
                m.put("textposition", "none");
            }
        }
        String color = t.color() != null ? t.color() : Palette.color(index);
        Map<String, Object> marker = new LinkedHashMap<>();
        marker.put("color", t.colors().isEmpty() ? color : t.colors());
        if (t.size() > 0) marker.put("size", t.size());
        if (t.symbol() != null) marker.put("symbol", t.symbol());
        m.put("marker", marker);
        if (t.type() == Trace.Type.SCATTER && t.mode().lines()) m.put("line", Map.of("color", color));
        if (t.type() == Trace.Type.BAR && !Double.isNaN(t.barWidth())) m.put("width", t.barWidth());
        m.put("showlegend", t.showLegend());
        return m;
    }

    private static Map<String, Object> axis(Axis a, boolean categorical) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", Map.of("text", a.title()));
        m.put("type", categorical ? "category" : a.log() ? "log" : "linear");
        if (categorical) m.put("automargin", true);
        return m;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The figure as Plotly JSON: {@code {"data":[...],"layout":{...}}} (the application/vnd.plotly.v1+json payload). */
    public String toPlotlyJson() {
        try {
            return JSON.writeValueAsString(toPlotly());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("figure '" + title + "' cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /** A PNG of the figure, drawn in Java without a display. */
    public byte[] toPng(int width, int height) {
        if (width < 50 || height < 50 || width > 8000 || height > 8000)
            throw new IllegalArgumentException("a PNG of " + width + "x" + height + " pixels; sizes go from 50 to 8000");
        return PngRenderer.render(this, width, height);
    }

    /** What the figure shows, in words: title, summary, axes and each trace's extent. */
    public String describe() {
        StringBuilder sb = new StringBuilder(title).append('\n');
        if (!summary.isEmpty()) sb.append(summary).append('\n');
        sb.append("x: ").append(xAxis.title()).append(xAxis.log() ? " (log)" : "").append("; y: ").append(yAxis.title())
                .append(yAxis.log() ? " (log)" : "").append('\n');
        for (Trace t : traces) {
            DoubleSummaryStatistics ys = t.y().stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).summaryStatistics();
            sb.append(String.format(Locale.ROOT, "  %s: %s, %d %s", t.name(),
                    t.type() == Trace.Type.BAR ? "bars" : t.mode().plotly(), t.points(), t.points() == 1 ? "point" : "points"));
            if (ys.getCount() > 0) sb.append(String.format(Locale.ROOT, ", y %.4g .. %.4g", ys.getMin(), ys.getMax()));
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    public static final class Builder {
        private final String title;
        private final List<Trace> traces = new ArrayList<>();
        private Axis xAxis = Axis.linear("x");
        private Axis yAxis = Axis.linear("y");
        private final List<Annotation> annotations = new ArrayList<>();
        private final List<Double> verticalLines = new ArrayList<>();
        private String verticalLineColor = Palette.GRID;
        private String summary = "";

        private Builder(String title) {
            this.title = title;
        }

        public Builder x(Axis a) { xAxis = a; return this; }

        public Builder y(Axis a) { yAxis = a; return this; }

        public Builder add(Trace t) { traces.add(t); return this; }

        public Builder annotate(Annotation a) { annotations.add(a); return this; }

        public Builder verticalLines(List<Double> xs, String color) {
            verticalLines.addAll(xs);
            verticalLineColor = color;
            return this;
        }

        public Builder summary(String s) { summary = s == null ? "" : s; return this; }

        public Figure build() {
            if (traces.isEmpty()) throw new IllegalStateException("figure '" + title + "' has no traces");
            return new Figure(this);
        }
    }
}
