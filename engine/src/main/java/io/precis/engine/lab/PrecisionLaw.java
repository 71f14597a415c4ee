package io.precis.engine.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.fitting.leastsquares.MultivariateJacobianFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.util.Pair;

/**
 * The fitted law δ_PTQ(N, D, P) = C_T · D^γD / N^γN · e^(−P/γpost) (Kumar et al. 2024), with its fit quality
 * and 95% bootstrap intervals. Fitted by Levenberg–Marquardt (Commons Math) on δ itself, in the parameters
 * (ln C_T, γD, γN, γpost), from the start a linear fit of ln δ gives on the rows with δ &gt; 0.
 *
 * @param r2        1 − SS_res/SS_tot on the fitted rows
 * @param residuals measured − predicted δ, row by row in the order given
 * @param low       2.5th bootstrap percentile of {C_T, γD, γN, γpost}; {@code high} the 97.5th
 * @param fitted    the rows it was fitted on, in order
 */
public record PrecisionLaw(double cT, double gammaD, double gammaN, double gammaPost, double r2, int rows,
                           double[] residuals, double[] low, double[] high, int bootstrap, List<PtqRow> fitted) implements PtqLaw {

    @Override
    public double predicted(PtqRow r) {
        return predict(r.n(), r.d(), r.bits());
    }

    @Override
    public double[] measured() {
        return fitted.stream().mapToDouble(PtqRow::delta).toArray();
    }

    /** Predicted δ for N non-embedding parameters, D training tokens, P bits kept. */
    public double predict(double n, double d, double bits) {
        return cT * Math.pow(d, gammaD) / Math.pow(n, gammaN) * Math.exp(-bits / gammaPost);
    }

    /** Fits the law to rows (use one PTQ family and training precision at a time), with {@code bootstrap} resamples. */
    public static PrecisionLaw fit(List<PtqRow> rows, int bootstrap, long seed) {
        if (rows.size() < 5) throw new IllegalArgumentException("fitting the precision law needs at least 5 rows, got " + rows.size());
        double[] p = fitParams(rows);
        double[] resid = new double[rows.size()];
        double mean = rows.stream().mapToDouble(PtqRow::delta).average().orElse(0), ssRes = 0, ssTot = 0;
        for (int i = 0; i < rows.size(); i++) {
            PtqRow r = rows.get(i);
            resid[i] = r.delta() - value(p, r);
            ssRes += resid[i] * resid[i];
            ssTot += (r.delta() - mean) * (r.delta() - mean);
        }
        double[][] boots = new double[4][];
        for (int k = 0; k < 4; k++) boots[k] = new double[bootstrap];
        SplittableRandom rnd = new SplittableRandom(seed);
        int ok = 0;
        for (int b = 0; b < bootstrap; b++) {
            List<PtqRow> sample = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) sample.add(rows.get(rnd.nextInt(rows.size())));
            try {
                double[] q = fitParams(sample);
                double[] named = {Math.exp(q[0]), q[1], q[2], q[3]};
                boolean finite = Arrays.stream(named).allMatch(Double::isFinite);
                if (!finite) continue;
                for (int k = 0; k < 4; k++) boots[k][ok] = named[k];
                ok++;
            } catch (RuntimeException e) {
                // a resample the optimizer cannot fit (too few distinct rows) leaves the interval to the others
            }
        }
        double[] low = new double[4], high = new double[4];
        for (int k = 0; k < 4; k++) {
            double[] v = Arrays.copyOf(boots[k], ok);
            Arrays.sort(v);
            low[k] = ok == 0 ? Double.NaN : v[(int) Math.floor(0.025 * (ok - 1))];
            high[k] = ok == 0 ? Double.NaN : v[(int) Math.ceil(0.975 * (ok - 1))];
        }
        return new PrecisionLaw(Math.exp(p[0]), p[1], p[2], p[3], ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot, rows.size(), resid, low, high, ok, List.copyOf(rows));
    }

    private static double value(double[] p, PtqRow r) {
        return Math.exp(p[0] + p[1] * Math.log(r.d()) - p[2] * Math.log(r.n()) - r.bits() / p[3]);
    }

    /** (ln C_T, γD, γN, γpost) by Levenberg–Marquardt from the log-linear start. */
    static double[] fitParams(List<PtqRow> rows) {
        double[] start = logLinearStart(rows);
        int n = rows.size();
        double[] target = rows.stream().mapToDouble(PtqRow::delta).toArray();
        MultivariateJacobianFunction model = point -> {
            double[] p = point.toArray();
            double[] v = new double[n];
            double[][] j = new double[n][4];
            for (int i = 0; i < n; i++) {
                PtqRow r = rows.get(i);
                double f = value(p, r);
                v[i] = f;
                j[i][0] = f;
                j[i][1] = f * Math.log(r.d());
                j[i][2] = -f * Math.log(r.n());
                j[i][3] = f * r.bits() / (p[3] * p[3]);
            }
            return new Pair<>(new ArrayRealVector(v, false), new Array2DRowRealMatrix(j, false));
        };
        LeastSquaresOptimizer.Optimum o = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                .start(start).model(model).target(target).maxEvaluations(10_000).maxIterations(10_000).build());
        return o.getPoint().toArray();
    }

    /** ln δ = ln C + γD ln D − γN ln N − P/γpost is linear in (ln C, γD, γN, 1/γpost): least squares on δ &gt; 0. */
    static double[] logLinearStart(List<PtqRow> rows) {
        List<PtqRow> pos = rows.stream().filter(r -> r.delta() > 0).toList();
        if (pos.size() < 4) return new double[] {Math.log(1e-2), 0.1, 0.1, 1.0};
        RealMatrix a = new Array2DRowRealMatrix(pos.size(), 4);
        double[] y = new double[pos.size()];
        for (int i = 0; i < pos.size(); i++) {
            PtqRow r = pos.get(i);
            a.setRow(i, new double[] {1, Math.log(r.d()), -Math.log(r.n()), -r.bits()});
            y[i] = Math.log(r.delta());
        }
        double[] s;
        try {
            s = new QRDecomposition(a).getSolver().solve(new ArrayRealVector(y)).toArray();
        } catch (RuntimeException e) {
            // singular (one N or one D only): fit with that exponent at 0
            return new double[] {Math.log(pos.stream().mapToDouble(PtqRow::delta).average().orElse(1e-2)), 0, 0, 1.0};
        }
        double gPost = s[3] > 1e-3 ? 1 / s[3] : 1.0;
        return new double[] {s[0], s[1], s[2], gPost};
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "δ = %.4g · D^%.3f / N^%.3f · e^(−P/%.3f)   R² = %.3f on %d rows; 95%% bootstrap (%d): C_T [%.3g, %.3g], γD [%.3f, %.3f], γN [%.3f, %.3f], γpost [%.3f, %.3f]",
                cT, gammaD, gammaN, gammaPost, r2, rows, bootstrap, low[0], high[0], low[1], high[1], low[2], high[2], low[3], high[3]);
    }
}
