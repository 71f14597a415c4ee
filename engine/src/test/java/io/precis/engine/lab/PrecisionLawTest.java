package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fit recovers known constants from rows made by the law itself (the independent truth), with noise. */
class PrecisionLawTest {

    static final double C = 0.05, GD = 0.5, GN = 0.4, GP = 1.2;

    static List<PtqRow> synthetic(double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PtqRow> rows = new ArrayList<>();
        for (long n : new long[] {100_000, 300_000, 1_000_000})
            for (long d : new long[] {1_000_000, 3_000_000, 10_000_000, 30_000_000})
                for (int bits = 3; bits <= 8; bits++) {
                    double delta = C * Math.pow(d, GD) / Math.pow(n, GN) * Math.exp(-bits / GP) * (1 + noise * (2 * r.nextDouble() - 1));
                    rows.add(new PtqRow(n, d, "fp32", "int-channel", bits, "rtn", 1, 3.0, 3.0 + delta));
                }
        return rows;
    }

    @Test
    void recoversTheConstantsOfNoiselessRows() {
        PrecisionLaw law = PrecisionLaw.fit(synthetic(0, 1), 20, 7);
        assertEquals(C, law.cT(), 1e-6 * C);
        assertEquals(GD, law.gammaD(), 1e-6);
        assertEquals(GN, law.gammaN(), 1e-6);
        assertEquals(GP, law.gammaPost(), 1e-6);
        assertEquals(1.0, law.r2(), 1e-9);
        double want = C * Math.pow(2e8, GD) / Math.pow(5e5, GN) * Math.exp(-4 / GP);
        assertEquals(want, law.predict(5e5, 2e8, 4), 1e-6 * want);
    }

    @Test
    void estimatesAndIntervalsUnderNoise() {
        double[] truth = {C, GD, GN, GP};
        int[] covered = new int[4];
        int runs = 20;
        for (int seed = 0; seed < runs; seed++) {
            PrecisionLaw law = PrecisionLaw.fit(synthetic(0.05, seed), 100, seed);
            double[] est = {law.cT(), law.gammaD(), law.gammaN(), law.gammaPost()};
            assertTrue(law.r2() > 0.99, law.toString());
            assertEquals(law.rows(), law.residuals().length);
            for (int k = 0; k < 4; k++) {
                // C_T trades off against the exponents (ln N and ln D are 12..17), so it is checked within a factor of 2
                if (k == 0) assertEquals(0, Math.log(est[0] / truth[0]), Math.log(2), law.toString());
                else assertEquals(truth[k], est[k], 0.1 * truth[k], "constant " + k + ": " + law);
                assertTrue(law.low()[k] <= est[k] && est[k] <= law.high()[k], "estimate " + k + " outside its own interval: " + law);
                if (law.low()[k] <= truth[k] && truth[k] <= law.high()[k]) covered[k]++;
            }
        }
        // 95% intervals: each constant's truth inside in most of the 20 noisy data sets (the bootstrap is approximate)
        for (int k = 0; k < 4; k++) assertTrue(covered[k] >= 14, "constant " + k + " covered in " + covered[k] + "/" + runs);
    }

    @Test
    void tooFewRowsIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrecisionLaw.fit(synthetic(0, 1).subList(0, 3), 10, 1));
        assertTrue(e.getMessage().contains("at least 5 rows"), e.getMessage());
    }
}
