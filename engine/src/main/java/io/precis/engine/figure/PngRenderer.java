package io.precis.engine.figure;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.CategoryTextAnnotation;
import org.jfree.chart.annotations.XYPointerAnnotation;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYBarDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a {@link Figure} with JFreeChart into a PNG, headless. Bars over categories become a category plot
 * (one colour per bar when traces cover different categories, grouped bars otherwise); everything else an
 * XY plot. Points a log axis cannot show (zero or negative) are left out, as Plotly does.
 */
final class PngRenderer {
    static {
        // no display is needed or wanted (kernels, CI); must be set before AWT initialises
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);

    private PngRenderer() {}

    static byte[] render(Figure f, int width, int height) {
        boolean categories = f.traces().stream().anyMatch(Trace::categorical);
        Plot plot = categories ? categoryPlot(f) : xyPlot(f);
        long legendEntries = f.traces().stream().filter(Trace::showLegend).count();
        JFreeChart chart = new JFreeChart(null, TITLE, plot, legendEntries > 1);
        chart.setTitle(new TextTitle(f.title(), TITLE));
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getLegend() != null) chart.getLegend().setItemFont(SMALL);
        BufferedImage img = chart.createBufferedImage(width, height);
        try {
            return ChartUtils.encodeAsPNG(img);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the PNG of '" + f.title() + "': " + e.getMessage(), e);
        }
    }

    private static ValueAxis valueAxis(Axis a) {
        return valueAxis(a, Double.NaN, Double.NaN);
    }

    /** With the data's range known: a log axis over bits (1 to 1024x) ticks at 2, 4, 8, 16, 32 in plain numbers. */
    private static ValueAxis valueAxis(Axis a, double min, double max) {
        if (a.log() && min >= 1 && max / min < 1024) {
            LogAxis axis = new LogAxis(a.title());
            axis.setBase(2);
            axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            axis.setNumberFormatOverride(new java.text.DecimalFormat("0.###"));
            axis.setTickLabelFont(SMALL);
            return axis;
        }
        if (a.log()) {
            LogAxis axis = new LogAxis(a.title());
            axis.setBase(10);
            axis.setSmallestValue(1e-300);
            // whole decades only: 10^-3, 10^-2 ... rather than 10^-2.4
            axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            axis.setTickLabelFont(SMALL);
            return axis;
        }
        NumberAxis axis = new NumberAxis(a.title());
        axis.setAutoRangeIncludesZero(false);
        axis.setTickLabelFont(SMALL);
        return axis;
    }

    private static double shown(double v, boolean log) {
        return !Double.isFinite(v) || (log && v <= 0) ? Double.NaN : v;
    }

    private static Plot xyPlot(Figure f) {
        XYPlot plot = new XYPlot();
        double xLo = Double.POSITIVE_INFINITY, xHi = Double.NEGATIVE_INFINITY;
        for (Trace t : f.traces())
            for (int i = 0; i < t.points(); i++) {
                double x = shown(t.xNumber(i), f.xAxis().log());
                if (!Double.isNaN(x)) { xLo = Math.min(xLo, x); xHi = Math.max(xHi, x); }
            }
        plot.setDomainAxis(valueAxis(f.xAxis(), xLo, xHi));
        plot.setRangeAxis(valueAxis(f.yAxis()));
        styleBackground(plot);
        boolean xLog = f.xAxis().log(), yLog = f.yAxis().log();
        int index = 0;
        LegendItemCollection legend = new LegendItemCollection();
        for (int ti = 0; ti < f.traces().size(); ti++) {
            Trace t = f.traces().get(ti);
            Color color = Palette.awt(t.color() != null ? t.color() : Palette.color(ti));
            XYSeries s = new XYSeries(t.name() + "#" + ti, false, true);
            for (int i = 0; i < t.points(); i++) {
                double x = shown(t.xNumber(i), xLog), y = shown(t.y().get(i), yLog);
                if (!Double.isNaN(x) && !Double.isNaN(y)) s.add(x, y);
            }
            XYSeriesCollection data = new XYSeriesCollection(s);
            if (t.type() == Trace.Type.BAR) {
                double w = Double.isNaN(t.barWidth()) ? 1 : t.barWidth();
                XYBarRenderer r = new XYBarRenderer();
                r.setBarPainter(new StandardXYBarPainter());
                r.setShadowVisible(false);
                r.setSeriesPaint(0, color);
                r.setDrawBarOutline(false);
                plot.setDataset(index, new XYBarDataset(data, w));
                plot.setRenderer(index, r);
            } else {
                List<Color> perPoint = new ArrayList<>();
                for (int i = 0; i < t.points(); i++) {
                    double x = shown(t.xNumber(i), xLog), y = shown(t.y().get(i), yLog);
                    if (!Double.isNaN(x) && !Double.isNaN(y)) perPoint.add(t.colors().isEmpty() ? color : Palette.awt(t.colors().get(i)));
                }
                XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(t.mode().lines(), t.mode().markers()) {
                    @Override
                    public Paint getItemPaint(int row, int column) {
                        return column < perPoint.size() ? perPoint.get(column) : color;
                    }
                };
                double size = t.size() > 0 ? t.size() : 6;
                r.setSeriesShape(0, shape(t.symbol(), size));
                r.setSeriesPaint(0, color);
                r.setSeriesStroke(0, new BasicStroke(1.8f));
                plot.setDataset(index, data);
                plot.setRenderer(index, r);
                if (!t.labels().isEmpty())
                    for (int i = 0; i < t.points(); i++) {
                        double x = shown(t.xNumber(i), xLog), y = shown(t.y().get(i), yLog);
                        if (Double.isNaN(x) || Double.isNaN(y)) continue;
                        XYTextAnnotation a = new XYTextAnnotation(t.labels().get(i), x, y);
                        a.setFont(SMALL);
                        a.setTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER);
                        plot.addAnnotation(a);
                    }
            }
            if (t.showLegend()) legend.add(new LegendItem(t.name(), color));
            index++;
        }
        plot.setFixedLegendItems(legend);
        for (Annotation a : f.annotations()) {
            if (!(a.x() instanceof Number n)) continue;
            double x = shown(n.doubleValue(), xLog), y = shown(a.y(), yLog);
            if (Double.isNaN(x) || Double.isNaN(y)) continue;
            if (a.arrow()) {
                // the label runs away from the nearer edge, so a point near either side keeps its whole text
                boolean leftHalf = xLog ? x <= Math.sqrt(xLo * xHi) : x <= (xLo + xHi) / 2;
                XYPointerAnnotation p = new XYPointerAnnotation(a.text(), x, y, leftHalf ? -Math.PI / 4 : -3 * Math.PI / 4);
                p.setTextAnchor(leftHalf ? org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT : org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
                p.setFont(SMALL);
                p.setTipRadius(4);
                p.setBaseRadius(30);
                plot.addAnnotation(p);
            } else {
                XYTextAnnotation t = new XYTextAnnotation(a.text(), x, y);
                t.setFont(SMALL);
                plot.addAnnotation(t);
            }
        }
        Color grid = Palette.awt(f.verticalLineColor());
        for (double x : f.verticalLines()) {
            double v = shown(x, xLog);
            if (Double.isNaN(v)) continue;
            plot.addDomainMarker(new ValueMarker(v, grid, new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1,
                    new float[] {3, 3}, 0)));
        }
        return plot;
    }

    private static java.awt.Shape shape(String symbol, double size) {
        double h = size / 2;
        if ("square".equals(symbol)) return new Rectangle2D.Double(-h, -h, size, size);
        if ("diamond".equals(symbol)) {
            java.awt.geom.Path2D.Double p = new java.awt.geom.Path2D.Double();
            p.moveTo(0, -h * 1.2);
            p.lineTo(h * 1.2, 0);
            p.lineTo(0, h * 1.2);
            p.lineTo(-h * 1.2, 0);
            p.closePath();
            return p;
        }
        if ("star".equals(symbol)) {
            java.awt.geom.Path2D.Double p = new java.awt.geom.Path2D.Double();
            for (int i = 0; i < 10; i++) {
                double r = i % 2 == 0 ? h * 1.3 : h * 0.55, a = Math.PI / 2 + i * Math.PI / 5;
                if (i == 0) p.moveTo(r * Math.cos(a), -r * Math.sin(a));
                else p.lineTo(r * Math.cos(a), -r * Math.sin(a));
            }
            p.closePath();
            return p;
        }
        return new Ellipse2D.Double(-h, -h, size, size);
    }

    private static Plot categoryPlot(Figure f) {
        boolean yLog = f.yAxis().log();
        List<Trace> bars = f.traces().stream().filter(t -> t.type() == Trace.Type.BAR && t.categorical()).toList();
        Set<Object> seen = new HashSet<>();
        boolean disjoint = true;
        for (Trace t : bars)
            for (Object x : t.x()) disjoint &= seen.add(x);
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, Color> colorOfCategory = new LinkedHashMap<>();
        LegendItemCollection legend = new LegendItemCollection();
        List<Color> seriesColors = new ArrayList<>();
        // categories keep the order of the traces' points, traces in order (Plotly does the same)
        for (int ti = 0; ti < f.traces().size(); ti++) {
            Trace t = f.traces().get(ti);
            if (!bars.contains(t)) continue;
            Color color = Palette.awt(t.color() != null ? t.color() : Palette.color(ti));
            String row = disjoint ? "values" : t.name() + "#" + ti;
            for (int i = 0; i < t.points(); i++) {
                String cat = String.valueOf(t.x().get(i));
                double y = shown(t.y().get(i), yLog);
                data.addValue(Double.isNaN(y) ? null : y, row, cat);
                colorOfCategory.put(cat, t.colors().isEmpty() ? color : Palette.awt(t.colors().get(i)));
            }
            if (!disjoint) seriesColors.add(color);
            if (t.showLegend()) legend.add(new LegendItem(t.name(), color));
        }
        // long layer names: drop the dotted prefix all categories share, and let labels take up to half the height
        String prefix = commonDottedPrefix(data.getColumnKeys().stream().map(String::valueOf).toList());
        CategoryAxis x = new CategoryAxis(f.xAxis().title() + (prefix.isEmpty() ? "" : " (after " + prefix + ")")) {
            @Override
            protected org.jfree.chart.text.TextBlock createLabel(Comparable category, float width, org.jfree.chart.ui.RectangleEdge edge,
                                                                  java.awt.Graphics2D g2) {
                return super.createLabel(String.valueOf(category).substring(prefix.length()), width, edge, g2);
            }
        };
        org.jfree.chart.axis.CategoryLabelPosition b = CategoryLabelPositions.UP_90.getLabelPosition(org.jfree.chart.ui.RectangleEdge.BOTTOM);
        x.setCategoryLabelPositions(CategoryLabelPositions.replaceBottomPosition(CategoryLabelPositions.UP_90,
                new org.jfree.chart.axis.CategoryLabelPosition(b.getCategoryAnchor(), b.getLabelAnchor(), b.getRotationAnchor(), b.getAngle(),
                        b.getWidthType(), 0.5f)));
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, data.getColumnCount() > 40 ? 7 : 9));
        x.setMaximumCategoryLabelLines(1);
        x.setCategoryMargin(0.15);
        boolean perBar = disjoint;
        BarRenderer r = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                if (perBar) return colorOfCategory.getOrDefault((String) data.getColumnKey(column), Color.GRAY);
                return seriesColors.get(row);
            }
        };
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        r.setItemMargin(0.02);
        ValueAxis yAxis = valueAxis(f.yAxis());
        if (yLog) {
            // bars grow from the axis floor: put it a little below the smallest bar, not at the axis' smallest value
            double lo = Double.POSITIVE_INFINITY, hi = 0;
            for (int row = 0; row < data.getRowCount(); row++)
                for (int col = 0; col < data.getColumnCount(); col++) {
                    Number v = data.getValue(row, col);
                    if (v != null && v.doubleValue() > 0) {
                        lo = Math.min(lo, v.doubleValue());
                        hi = Math.max(hi, v.doubleValue());
                    }
                }
            if (hi > 0) yAxis.setRange(Math.pow(10, Math.floor(Math.log10(lo) - 0.3)), Math.pow(10, Math.ceil(Math.log10(hi) + 0.1)));
        }
        CategoryPlot plot = new CategoryPlot(data, x, yAxis, r);
        styleBackground(plot);
        plot.setFixedLegendItems(legend);
        for (Annotation a : f.annotations()) {
            double y = shown(a.y(), yLog);
            if (Double.isNaN(y) || !(a.x() instanceof String cat) || data.getColumnIndex(cat) < 0) continue;
            CategoryTextAnnotation t = new CategoryTextAnnotation(a.text(), cat, y);
            t.setFont(SMALL);
            plot.addAnnotation(t);
        }
        return plot;
    }

    static String commonDottedPrefix(List<String> names) {
        if (names.size() < 2) return "";
        String p = names.get(0);
        for (String n : names) {
            int i = 0;
            while (i < p.length() && i < n.length() && p.charAt(i) == n.charAt(i)) i++;
            p = p.substring(0, i);
        }
        int dot = p.lastIndexOf('.');
        return dot < 0 ? "" : p.substring(0, dot + 1);
    }

    private static void styleBackground(Plot p) {
        p.setBackgroundPaint(Color.WHITE);
        p.setOutlineVisible(false);
        if (p instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
            xy.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        } else if (p instanceof CategoryPlot c) {
            c.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        }
    }
}
