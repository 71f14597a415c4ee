package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The law across training precisions on tables made from known constants, by the formula written out here
 * (Kumar et al. 2024, Eq. 8–9 with N_eff of Eq. 3), not by the engine's code.
 */
class TrainingPrecisionLawTest {

    static final double C = 0.8, GD = 0.25, GN = 0.4, GPOST = 1.3, GW = 2.5, CW = 0.8;

    static double delta(double n, double d, double pt, double pp) {
        double neff = n * (1 - Math.exp(-pt / GW));
        return C * Math.exp(-pp / GPOST) * Math.pow(d, GD) / Math.pow(neff, GN) * (1 - Math.exp(-CW * (pt - pp)));
    }

    /**
     * 3 N × 3 D × 5 training precisions × PTQ int-channel at 3..8 bits. A QAT model's latent fp32 loss is 0.3 above
     * its loss as trained (the int-channel row at its own bits), as the lab measures it; {@code noise} is relative.
     */
    static List<PtqRow> table(double noise, long seed) {
        Random rnd = new Random(seed);
        List<PtqRow> rows = new ArrayList<>();
        for (String tp : new String[] {"fp32", "bf16", "qat-int8", "qat-int6", "qat-int4"}) {
            int pt = TrainingPrecisionLaw.trainingBits(tp);
            for (long n : new long[] {50_000, 200_000, 800_000}) {
                for (long d : new long[] {1_000_000, 5_000_000, 30_000_000}) {
                    double asTrained = 2.0, latent = tp.startsWith("qat") ? 2.3 : 2.0;
                    for (int b = 3; b <= 8; b++) {
                        double q = pt == b ? asTrained : pt < b ? asTrained + 0.001 : asTrained + delta(n, d, pt, b) * (1 + noise * rnd.nextGaussian());
                        rows.add(new PtqRow(n, d, tp, "int-channel", b, "rtn", 1, latent, q));
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void aNoiselessTableGivesItsConstantsBack() {
        TrainingPrecisionLaw law = TrainingPrecisionLaw.fit(table(0, 1), 20, 1);
        assertEquals(C, law.cT(), 1e-4 * C);
        assertEquals(GD, law.gammaD(), 1e-5);
        assertEquals(GN, law.gammaN(), 1e-5);
        assertEquals(GPOST, law.gammaPost(), 1e-5);
        assertEquals(GW, law.gammaW(), 1e-4);
        assertEquals(CW, law.cW(), 1e-4);
        assertTrue(law.r2() > 0.999999, "R² " + law.r2());
        // fp32/bf16: 6 bit widths each; qat-int8: 5 (3..7); qat-int6: 3; qat-int4: 1; × 9 models
        assertEquals(9 * (6 + 6 + 5 + 3 + 1), law.rows());
        assertEquals(9 * (1 + 3 + 5), law.leftOut(), "P_train ≤ P_post is not in the paper's domain");
        assertEquals(9 * (5 + 3 + 1), law.rebased(), "every QAT row measured from its int-channel row at the training bits");
        assertEquals(delta(135e6, 2e12, 16, 4), law.predict(135e6, 2e12, 16, 4), 1e-6 * delta(135e6, 2e12, 16, 4));
        assertEquals(0, law.predict(1e6, 1e9, 4, 4), "trained and served at the same precision: no damage");
        assertEquals(135e6 * (1 - Math.exp(-4 / GW)), law.effectiveParams(135e6, 4), 1e-3);
        assertTrue(law.robustness(1e6, 1e8, 4, 3) < 1, "int4-trained weights lose less to int3 than bf16-trained ones");
        for (int k = 0; k < 6; k++) assertTrue(law.low()[k] <= law.high()[k]);
    }

    @Test
    void noisyTableGivesIntervalsAroundTheConstants() {
        TrainingPrecisionLaw law = TrainingPrecisionLaw.fit(table(0.05, 7), 100, 3);
        double[] truth = {C, GD, GN, GPOST, GW, CW};
        for (int k = 0; k < 6; k++) {
            assertTrue(law.low()[k] <= truth[k] && truth[k] <= law.high()[k],
                    TrainingPrecisionLaw.CONSTANTS.get(k) + " " + truth[k] + " outside [" + law.low()[k] + ", " + law.high()[k] + "]: " + law);
        }
        assertTrue(law.r2() > 0.95, law.toString());
        assertTrue(law.bootstrap() > 90, "most resamples fit");
        for (int i = 0; i < law.rows(); i++)
            assertEquals(law.measured()[i] - law.predicted(law.fitted().get(i)), law.residuals()[i], 1e-12);
    }

    @Test
    void oneTrainingPrecisionIsRefused() {
        List<PtqRow> fp32 = table(0, 1).stream().filter(r -> r.trainPrecision().equals("fp32")).toList();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingPrecisionLaw.fit(fp32, 10, 1));
        assertTrue(e.getMessage().contains("at least two training precisions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingPrecisionLaw.trainingBits("int4"));
    }
}
