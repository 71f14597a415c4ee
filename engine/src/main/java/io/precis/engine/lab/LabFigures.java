package io.precis.engine.lab;

import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Trace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The lab's figures from its table (round to nearest's rows when it has them; {@link #gptqVsRtn} compares GPTQ) (and a fitted {@link PrecisionLaw}): δ vs D per bits on log-log axes with the
 * law's lines, δ vs bits per D, measured vs predicted, and δ vs bits per training precision (QAT vs PTQ
 * robustness), with the law across training precisions' lines when one is given, and a fit's residuals. Log axes
 * show only δ &gt; 0; the summary says how many rows were left out for that.
 */
public final class LabFigures {
    private LabFigures() {}

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"};

    /** δ vs D at one N, one trace of measurements per bits, each with the law's line when {@code law} is not null. */
    public static Figure deltaVsD(List<PtqRow> rows, String family, String trainPrecision, long n, PrecisionLaw law) {
        Predicate<PtqRow> alg = oneAlgorithm(rows);
        Predicate<PtqRow> at = r -> alg.test(r) && r.ptqFormat().equals(family) && r.trainPrecision().equals(trainPrecision) && r.n() == n;
        TreeMap<Integer, List<PtqRow>> byBits = new TreeMap<>();
        int hidden = 0;
        for (PtqRow r : rows) {
            if (!at.test(r)) continue;
            if (r.delta() <= 0) { hidden++; continue; }
            byBits.computeIfAbsent(r.bits(), b -> new ArrayList<>()).add(r);
        }
        TreeSet<Long> ds = new TreeSet<>();
        rows.stream().filter(at).forEach(r -> ds.add(r.d()));
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "δ_PTQ vs training tokens (N = %,d, %s training, %s)", n, trainPrecision, family))
                .x(Axis.log("training tokens D")).y(Axis.log("δ_PTQ (nats/byte)"));
        int i = 0;
        for (var e : byBits.entrySet()) {
            String color = COLORS[i++ % COLORS.length];
            List<PtqRow> pts = e.getValue().stream().sorted((a, b) -> Long.compare(a.d(), b.d())).toList();
            f.add(Trace.markers(e.getKey() + " bits", pts.stream().map(PtqRow::d).toList(), pts.stream().map(PtqRow::delta).toList()).color(color));
            if (law != null && !ds.isEmpty())
                f.add(Trace.lines(e.getKey() + " bits (law)", List.copyOf(ds), ds.stream().map(d -> law.predict(n, d, e.getKey())).toList())
                        .color(color).showLegend(false));
        }
        return f.summary(hidden == 0 ? "" : hidden + " rows with δ ≤ 0 are not on the log axis").build();
    }

    /** δ vs bits at one N, one line per D (and per seed, in the D's colour: a table may hold several seeds). */
    public static Figure deltaVsBits(List<PtqRow> rows, String family, String trainPrecision, long n) {
        TreeMap<Long, TreeMap<Long, List<PtqRow>>> byD = new TreeMap<>();
        Predicate<PtqRow> alg = oneAlgorithm(rows);
        for (PtqRow r : rows)
            if (alg.test(r) && r.ptqFormat().equals(family) && r.trainPrecision().equals(trainPrecision) && r.n() == n)
                byD.computeIfAbsent(r.d(), d -> new TreeMap<>()).computeIfAbsent(r.seed(), x -> new ArrayList<>()).add(r);
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "δ_PTQ vs bits (N = %,d, %s training, %s)", n, trainPrecision, family))
                .x(Axis.linear("bits")).y(Axis.linear("δ_PTQ (nats/byte)"));
        int i = 0;
        boolean seeds = byD.values().stream().anyMatch(m -> m.size() > 1);
        for (var e : byD.entrySet()) {
            String color = COLORS[i++ % COLORS.length];
            boolean first = true;
            for (var bySeed : e.getValue().entrySet()) {
                List<PtqRow> pts = bySeed.getValue().stream().sorted((a, b) -> Integer.compare(a.bits(), b.bits())).toList();
                // the legend's entry is the D; the other seeds' lines are named by seed (hover)
                f.add(Trace.linesAndMarkers(String.format(Locale.ROOT, "D = %,d", e.getKey()) + (first ? "" : ", seed " + bySeed.getKey()),
                        pts.stream().map(PtqRow::bits).toList(), pts.stream().map(PtqRow::delta).toList()).color(color).showLegend(first));
                first = false;
            }
        }
        return f.summary(seeds ? "one line per seed, in its D's colour" : "").build();
    }

    /** Measured vs the law's δ for the rows it was fitted on, with the identity line. */
    public static Figure measuredVsPredicted(List<PtqRow> fitted, PrecisionLaw law) {
        List<Double> pred = fitted.stream().map(r -> law.predict(r.n(), r.d(), r.bits())).toList();
        List<Double> meas = fitted.stream().map(PtqRow::delta).toList();
        double lo = Math.min(pred.stream().mapToDouble(x -> x).min().orElse(0), meas.stream().mapToDouble(x -> x).min().orElse(0));
        double hi = Math.max(pred.stream().mapToDouble(x -> x).max().orElse(1), meas.stream().mapToDouble(x -> x).max().orElse(1));
        return Figure.builder(String.format(Locale.ROOT, "measured vs predicted δ_PTQ (R² = %.3f)", law.r2()))
                .x(Axis.linear("predicted δ")).y(Axis.linear("measured δ"))
                .add(Trace.markers("rows", pred, meas))
                .add(Trace.lines("y = x", List.of(lo, hi), List.of(lo, hi)).color("#888888"))
                .build();
    }

    /** δ vs bits for each training precision, at one N and D: does low-precision training make PTQ hurt less? */
    public static Figure robustness(List<PtqRow> rows, String family, long n, long d) {
        TreeMap<String, List<PtqRow>> byTrain = new TreeMap<>();
        Predicate<PtqRow> alg = oneAlgorithm(rows);
        for (PtqRow r : rows)
            if (alg.test(r) && r.ptqFormat().equals(family) && r.n() == n && r.d() == d) byTrain.computeIfAbsent(r.trainPrecision(), t -> new ArrayList<>()).add(r);
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "PTQ damage by training precision (N = %,d, D = %,d, %s)", n, d, family))
                .x(Axis.linear("post-training bits")).y(Axis.linear("δ_PTQ (nats/byte)"));
        for (var e : byTrain.entrySet()) {
            List<PtqRow> pts = e.getValue().stream().sorted((a, b) -> Integer.compare(a.bits(), b.bits())).toList();
            f.add(Trace.linesAndMarkers(e.getKey(), pts.stream().map(PtqRow::bits).toList(), pts.stream().map(PtqRow::delta).toList()));
        }
        return f.build();
    }

    /** Measured vs predicted δ for the rows a law was fitted on (the δ it was fitted to), with the identity line. */
    public static Figure measuredVsPredicted(PtqLaw law) {
        double[] meas = law.measured();
        List<Double> pred = law.fitted().stream().map(law::predicted).toList();
        List<Double> m = java.util.Arrays.stream(meas).boxed().toList();
        double lo = Math.min(pred.stream().mapToDouble(x -> x).min().orElse(0), m.stream().mapToDouble(x -> x).min().orElse(0));
        double hi = Math.max(pred.stream().mapToDouble(x -> x).max().orElse(1), m.stream().mapToDouble(x -> x).max().orElse(1));
        return Figure.builder(String.format(Locale.ROOT, "measured vs predicted δ_PTQ (%s, R² = %.3f, %d rows)", lawName(law), law.r2(), meas.length))
                .x(Axis.linear("predicted δ (nats/byte)")).y(Axis.linear("measured δ (nats/byte)"))
                .add(Trace.markers("rows", pred, m))
                .add(Trace.lines("y = x", List.of(lo, hi), List.of(lo, hi)).color("#888888"))
                .build();
    }

    /** Residuals (measured − predicted δ) against the prediction, one trace per training precision, with the zero line. */
    public static Figure residuals(PtqLaw law) {
        TreeMap<String, List<Integer>> byTrain = new TreeMap<>();
        for (int i = 0; i < law.fitted().size(); i++) byTrain.computeIfAbsent(law.fitted().get(i).trainPrecision(), t -> new ArrayList<>()).add(i);
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "residuals of the fit (%s)", lawName(law)))
                .x(Axis.linear("predicted δ (nats/byte)")).y(Axis.linear("measured − predicted δ"));
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (var e : byTrain.entrySet()) {
            List<Double> x = e.getValue().stream().map(k -> law.predicted(law.fitted().get(k))).toList();
            List<Double> y = e.getValue().stream().map(k -> law.residuals()[k]).toList();
            for (double v : x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            f.add(Trace.markers(e.getKey(), x, y).color(COLORS[i++ % COLORS.length]));
        }
        if (lo <= hi) f.add(Trace.lines("zero", List.of(lo, hi), List.of(0.0, 0.0)).color("#888888").showLegend(false));
        double rms = Math.sqrt(java.util.Arrays.stream(law.residuals()).map(r -> r * r).average().orElse(0));
        return f.summary(String.format(Locale.ROOT, "RMS residual %.3g nats/byte over %d rows", rms, law.residuals().length)).build();
    }

    /**
     * QAT vs PTQ robustness with the law: at one N and D, δ (from the loss as trained) vs post-training bits, markers
     * measured and lines predicted, one colour per training precision.
     */
    public static Figure robustness(TrainingPrecisionLaw law, long n, long d) {
        TreeMap<String, List<Integer>> byTrain = new TreeMap<>();
        for (int i = 0; i < law.fitted().size(); i++) {
            PtqRow r = law.fitted().get(i);
            if (r.n() == n && r.d() == d) byTrain.computeIfAbsent(r.trainPrecision(), t -> new ArrayList<>()).add(i);
        }
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "PTQ damage by training precision, measured and the law (N = %,d, D = %,d)", n, d))
                .x(Axis.linear("post-training bits")).y(Axis.linear("δ_PTQ from the loss as trained (nats/byte)"));
        int c = 0;
        for (var e : byTrain.entrySet()) {
            String color = COLORS[c++ % COLORS.length];
            List<Integer> idx = e.getValue().stream().sorted((a, b) -> Integer.compare(law.fitted().get(a).bits(), law.fitted().get(b).bits())).toList();
            f.add(Trace.markers(e.getKey(), idx.stream().map(k -> (double) law.fitted().get(k).bits()).toList(),
                    idx.stream().map(k -> law.measured()[k]).toList()).color(color));
            int pt = TrainingPrecisionLaw.trainingBits(e.getKey());
            List<Double> bits = new ArrayList<>();
            for (int b = 3; b <= 8 && b < pt; b++) bits.add((double) b);
            f.add(Trace.lines(e.getKey() + " (law)", bits, bits.stream().map(b -> law.predict(n, d, pt, b)).toList()).color(color).showLegend(false));
        }
        return f.build();
    }

    /**
     * Round to nearest against GPTQ on fp32-trained models at one N: δ vs D on log-log axes at each of {@code bits},
     * RTN as circles with its Eq. 2 line, GPTQ as diamonds with its own fit's line, one colour per bits.
     */
    public static Figure gptqVsRtn(List<PtqRow> rows, String family, long n, List<Integer> bits, PrecisionLaw rtnLaw, PrecisionLaw gptqLaw) {
        Figure.Builder f = Figure.builder(String.format(Locale.ROOT, "round to nearest vs GPTQ: δ_PTQ vs training tokens (N = %,d, fp32 training, %s)", n, family))
                .x(Axis.log("training tokens D")).y(Axis.log("δ_PTQ (nats/byte)"));
        int hidden = 0, i = 0;
        TreeSet<Long> ds = new TreeSet<>();
        for (int b : bits) {
            String color = COLORS[i++ % COLORS.length];
            for (String alg : List.of("rtn", "gptq")) {
                List<PtqRow> at = rows.stream().filter(r -> r.ptqFormat().equals(family) && r.trainPrecision().equals("fp32") && r.n() == n
                        && r.bits() == b && r.algorithm().equals(alg)).sorted((x, y) -> Long.compare(x.d(), y.d())).toList();
                at.forEach(r -> ds.add(r.d()));
                List<PtqRow> shown = at.stream().filter(r -> r.delta() > 0).toList();
                hidden += at.size() - shown.size();
                String label = b + " bits " + (alg.equals("rtn") ? "RTN" : "GPTQ");
                f.add(Trace.markers(label, shown.stream().map(PtqRow::d).toList(), shown.stream().map(PtqRow::delta).toList())
                        .color(color).symbol(alg.equals("rtn") ? "circle" : "diamond"));
                PrecisionLaw law = alg.equals("rtn") ? rtnLaw : gptqLaw;
                if (law != null && !ds.isEmpty())
                    f.add(Trace.lines(label + " (law)", List.copyOf(ds), ds.stream().map(d -> law.predict(n, d, b)).toList()).color(color).showLegend(false));
            }
        }
        return f.summary(hidden == 0 ? "circles round to nearest, diamonds GPTQ; lines each one's Eq. 2 fit"
                : "circles round to nearest, diamonds GPTQ; lines each one's Eq. 2 fit; " + hidden + " rows with δ ≤ 0 are not on the log axis").build();
    }

    /** The rows of one PTQ algorithm: round to nearest's when the table has them (GPTQ's have their own figure), else all. */
    private static Predicate<PtqRow> oneAlgorithm(List<PtqRow> rows) {
        return rows.stream().anyMatch(r -> r.algorithm().equals("rtn")) ? r -> r.algorithm().equals("rtn") : r -> true;
    }

    private static String lawName(PtqLaw law) {
        return law instanceof TrainingPrecisionLaw ? "Eq. 8-9 across training precisions" : "Eq. 2";
    }
}
