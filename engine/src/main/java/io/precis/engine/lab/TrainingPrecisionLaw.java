package io.precis.engine.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.fitting.leastsquares.MultivariateJacobianFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.util.Pair;

/**
 * The PTQ law across training precisions (Kumar et al. 2024, "Scaling Laws for Precision", §5): Eq. 8 and 9 with the
 * weights the only part trained in low precision, as in the lab (its QAT fake-quantizes weights only):
 *
 * <pre>
 * δ_PTQ(N, D, P_train, P_post) = C_T · e^(−P_post/γpost) · D^γD / N_eff^γN · [1 − e^(−C_w (P_train − P_post))]
 * N_eff = N · (1 − e^(−P_train/γw))                                   (Eq. 3; Eq. 4 with only the weights' factor)
 * </pre>
 *
 * N_eff &lt; N is the "overtraining" effect (fewer effective parameters degrade more), the bracket the
 * "robustification" effect (weights trained with rounding noise lose less to rounding later). The paper defines δ
 * as zero when P_train ≤ P_post, so {@link #predict} returns 0 there and the fit uses only rows with
 * P_train &gt; P_post ({@link #leftOut} counts the others). Training precisions read as bits: fp32 32, bf16 and
 * fp16 16, qat-intN N.
 *
 * <p>δ is measured from the loss <em>as trained</em>, as in the paper: the lab evaluates every model's latent fp32
 * weights as its {@code loss_fp}, but a QAT-intN model was trained to be used with its weights rounded to intN per
 * channel, which is exactly the table's {@code int-channel} row at N bits of the same model; that row's loss is
 * the baseline of the model's other rows ({@link #rebased} counts them). Without that row the latent loss stays.
 *
 * <p>Fitted by Levenberg–Marquardt (Commons Math) on δ, in (ln C_T, γD, γN, γpost, ln γw, ln C_w) so γw and C_w stay
 * positive, from nine starts of (γw, C_w) around the paper's values with the other four from Eq. 2 fitted on the
 * rows; the best is kept. Intervals: 95% bootstrap over rows, each resample started from the fit.
 *
 * @param low  2.5th bootstrap percentile of {C_T, γD, γN, γpost, γw, C_w}; {@code high} the 97.5th
 */
public record TrainingPrecisionLaw(double cT, double gammaD, double gammaN, double gammaPost, double gammaW, double cW,
                                   double r2, int rows, List<PtqRow> fitted, double[] measured, double[] residuals,
                                   double[] low, double[] high, int bootstrap, int rebased, int leftOut) implements PtqLaw {

    /** The names of the six constants, in the order of {@link #low} and {@link #high}. */
    public static final List<String> CONSTANTS = List.of("C_T", "γD", "γN", "γpost", "γw", "C_w");

    /** A training precision's bits: fp32 32, bf16/fp16 16, qat-intN N. */
    public static int trainingBits(String trainPrecision) {
        String t = trainPrecision.trim().toLowerCase(Locale.ROOT);
        if (t.equals("fp32")) return 32;
        if (t.equals("bf16") || t.equals("fp16")) return 16;
        if (t.matches("qat-int[1-9][0-9]?")) return Integer.parseInt(t.substring(7));
        throw new IllegalArgumentException("unknown training precision '" + trainPrecision + "'; use fp32, bf16, fp16 or qat-intN");
    }

    /** N_eff = N (1 − e^(−P_train/γw)). */
    public double effectiveParams(double n, double trainBits) {
        return n * (1 - Math.exp(-trainBits / gammaW));
    }

    /** Predicted δ for N parameters trained on D tokens at {@code trainBits}, quantized after training to {@code postBits}. */
    public double predict(double n, double d, double trainBits, double postBits) {
        return value(new double[] {Math.log(cT), gammaD, gammaN, gammaPost, Math.log(gammaW), Math.log(cW)}, n, d, trainBits, postBits);
    }

    /** δ predicted for a model trained at {@code trainBits} over δ predicted for the same model trained in bf16 (16 bits). */
    public double robustness(double n, double d, double trainBits, double postBits) {
        return predict(n, d, trainBits, postBits) / predict(n, d, 16, postBits);
    }

    @Override
    public double predicted(PtqRow r) {
        return predict(r.n(), r.d(), trainingBits(r.trainPrecision()), r.bits());
    }

    private static double value(double[] p, double n, double d, double pt, double pp) {
        if (pt <= pp) return 0;
        double gammaW = Math.exp(p[4]), cw = Math.exp(p[5]);
        double lnNeff = Math.log(n) + Math.log1p(-Math.exp(-pt / gammaW));
        return Math.exp(p[0] - pp / p[3] + p[1] * Math.log(d) - p[2] * lnNeff) * -Math.expm1(-cw * (pt - pp));
    }

    /** A row ready to fit: its N, D, bits trained and kept, and δ from the loss as trained. */
    private record Point(PtqRow row, double n, double d, double pt, double pp, double delta) {}

    /** Fits the law to rows of one PTQ family across training precisions, with {@code bootstrap} resamples. */
    public static TrainingPrecisionLaw fit(List<PtqRow> rows, int bootstrap, long seed) {
        Map<String, Double> asTrained = new HashMap<>();
        for (PtqRow r : rows) {
            if (r.trainPrecision().startsWith("qat-") && r.ptqFormat().equals("int-channel") && r.bits() == trainingBits(r.trainPrecision()))
                asTrained.put(modelKey(r), r.lossQ());
        }
        List<Point> pts = new ArrayList<>();
        int rebased = 0, leftOut = 0;
        for (PtqRow r : rows) {
            int pt = trainingBits(r.trainPrecision());
            if (pt <= r.bits()) { leftOut++; continue; }
            Double base = r.trainPrecision().startsWith("qat-") ? asTrained.get(modelKey(r)) : null;
            if (base != null) rebased++;
            pts.add(new Point(r, r.n(), r.d(), pt, r.bits(), r.lossQ() - (base != null ? base : r.lossFp())));
        }
        if (pts.size() < 8) throw new IllegalArgumentException("fitting the law across training precisions needs at least 8 rows trained in"
                + " more bits than they are quantized to, got " + pts.size());
        long precisions = pts.stream().mapToDouble(Point::pt).distinct().count();
        if (precisions < 2) throw new IllegalArgumentException("fitting the law across training precisions needs at least two training"
                + " precisions; these rows have one (fit Eq. 2 for it instead)");

        double[] p = bestOfStarts(pts);
        int n = pts.size();
        double[] measured = new double[n], resid = new double[n];
        double mean = pts.stream().mapToDouble(Point::delta).average().orElse(0), ssRes = 0, ssTot = 0;
        for (int i = 0; i < n; i++) {
            Point q = pts.get(i);
            measured[i] = q.delta();
            resid[i] = q.delta() - value(p, q.n(), q.d(), q.pt(), q.pp());
            ssRes += resid[i] * resid[i];
            ssTot += (q.delta() - mean) * (q.delta() - mean);
        }
        double[][] boots = new double[6][bootstrap];
        SplittableRandom rnd = new SplittableRandom(seed);
        int ok = 0;
        for (int b = 0; b < bootstrap; b++) {
            List<Point> sample = new ArrayList<>(n);
            for (int i = 0; i < n; i++) sample.add(pts.get(rnd.nextInt(n)));
            try {
                double[] named = named(optimize(sample, p));
                if (!Arrays.stream(named).allMatch(Double::isFinite)) continue;
                for (int k = 0; k < 6; k++) boots[k][ok] = named[k];
                ok++;
            } catch (RuntimeException e) {
                // a resample the optimizer cannot fit leaves the interval to the others
            }
        }
        double[] low = new double[6], high = new double[6];
        for (int k = 0; k < 6; k++) {
            double[] v = Arrays.copyOf(boots[k], ok);
            Arrays.sort(v);
            low[k] = ok == 0 ? Double.NaN : v[(int) Math.floor(0.025 * (ok - 1))];
            high[k] = ok == 0 ? Double.NaN : v[(int) Math.ceil(0.975 * (ok - 1))];
        }
        double[] c = named(p);
        return new TrainingPrecisionLaw(c[0], c[1], c[2], c[3], c[4], c[5], ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot, n,
                pts.stream().map(Point::row).toList(), measured, resid, low, high, ok, rebased, leftOut);
    }

    private static String modelKey(PtqRow r) {
        return r.n() + "/" + r.d() + "/" + r.trainPrecision() + "/" + r.seed() + "/" + r.algorithm();
    }

    private static double[] named(double[] p) {
        return new double[] {Math.exp(p[0]), p[1], p[2], p[3], Math.exp(p[4]), Math.exp(p[5])};
    }

    /** Eq. 2 fitted on the rows (ignoring training precision) gives C_T, γD, γN, γpost; (γw, C_w) from a 3×3 grid. */
    private static double[] bestOfStarts(List<Point> pts) {
        double[] s;
        try {
            PrecisionLaw eq2 = PrecisionLaw.fit(pts.stream().map(q -> new PtqRow(q.row().n(), q.row().d(), "any", "any", q.row().bits(), "any", 0, 0, q.delta())).toList(), 0, 0);
            s = new double[] {Math.log(eq2.cT()), eq2.gammaD(), eq2.gammaN(), eq2.gammaPost()};
            if (!Arrays.stream(s).allMatch(Double::isFinite) || s[3] <= 0) throw new IllegalStateException("no start");
        } catch (RuntimeException e) {
            s = PrecisionLaw.logLinearStart(pts.stream().map(q -> new PtqRow(q.row().n(), q.row().d(), "any", "any", q.row().bits(), "any", 0, 0, q.delta())).toList());
        }
        double[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (double gw : new double[] {1.0, 2.67, 6.0}) {
            for (double cw : new double[] {0.3, 1.0, 3.0}) {
                try {
                    double[] p = optimize(pts, new double[] {s[0], s[1], s[2], s[3], Math.log(gw), Math.log(cw)});
                    double cost = 0;
                    for (Point q : pts) {
                        double e = q.delta() - value(p, q.n(), q.d(), q.pt(), q.pp());
                        cost += e * e;
                    }
                    if (Double.isFinite(cost) && cost < bestCost) { bestCost = cost; best = p; }
                } catch (RuntimeException e) {
                    // a start that diverges: the others decide
                }
            }
        }
        if (best == null) throw new IllegalArgumentException("the fit did not converge from any start");
        return best;
    }

    /** Levenberg–Marquardt from {@code start}, the Jacobian by central differences (six parameters, a few hundred rows). */
    static double[] optimize(List<Point> pts, double[] start) {
        int n = pts.size();
        double[] target = pts.stream().mapToDouble(Point::delta).toArray();
        MultivariateJacobianFunction model = point -> {
            double[] p = point.toArray();
            double[] v = new double[n];
            double[][] j = new double[n][6];
            for (int i = 0; i < n; i++) {
                Point q = pts.get(i);
                v[i] = value(p, q.n(), q.d(), q.pt(), q.pp());
            }
            for (int k = 0; k < 6; k++) {
                double h = 1e-6 * Math.max(1, Math.abs(p[k]));
                double[] up = p.clone(), down = p.clone();
                up[k] += h;
                down[k] -= h;
                for (int i = 0; i < n; i++) {
                    Point q = pts.get(i);
                    j[i][k] = (value(up, q.n(), q.d(), q.pt(), q.pp()) - value(down, q.n(), q.d(), q.pt(), q.pp())) / (2 * h);
                }
            }
            return new Pair<>(new ArrayRealVector(v, false), new Array2DRowRealMatrix(j, false));
        };
        LeastSquaresOptimizer.Optimum o = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                .start(start).model(model).target(target).maxEvaluations(2_000).maxIterations(2_000).build());
        return o.getPoint().toArray();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "δ = %.4g · e^(−P_post/%.3f) · D^%.3f / N_eff^%.3f · [1 − e^(−%.3f (P_train − P_post))], N_eff = N (1 − e^(−P_train/%.3f))"
                        + "   R² = %.3f on %d rows (%d QAT rows measured from the loss as trained; %d rows with P_train ≤ P_post left out);"
                        + " 95%% bootstrap (%d): C_T [%.3g, %.3g], γD [%.3f, %.3f], γN [%.3f, %.3f], γpost [%.3f, %.3f], γw [%.3f, %.3f], C_w [%.3f, %.3f]",
                cT, gammaPost, gammaD, gammaN, cW, gammaW, r2, rows, rebased, leftOut, bootstrap,
                low[0], high[0], low[1], high[1], low[2], high[2], low[3], high[3], low[4], high[4], low[5], high[5]);
    }
}
