package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.lab.PrecisionLaw;
import io.precis.engine.lab.PtqRow;
import io.precis.engine.lab.PtqTable;
import io.precis.engine.lab.TrainingPrecisionLaw;
import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fit precision law} and {@code predict} on a table made from known constants: the fit must find them,
 * and a prediction must equal the law's formula evaluated here, independently of the engine.
 */
class LawCellsTest {

    private static final double C = 0.8, GD = 0.25, GN = 0.4, GPOST = 1.3;

    private static double delta(double n, double d, double bits) {
        return C * Math.pow(d, GD) / Math.pow(n, GN) * Math.exp(-bits / GPOST);
    }

    /** A noiseless grid (3 sizes x 3 budgets x 3 bit widths) trained fp32, plus rows of another training precision. */
    private static List<PtqRow> rows() {
        List<PtqRow> rows = new ArrayList<>();
        for (long n : new long[] {50_000, 200_000, 800_000}) {
            for (long d : new long[] {1_000_000, 5_000_000, 30_000_000}) {
                for (int bits : new int[] {3, 4, 6}) {
                    rows.add(new PtqRow(n, d, "fp32", "int-channel", bits, "rtn", 1, 2.0, 2.0 + delta(n, d, bits)));
                    rows.add(new PtqRow(n, d, "qat-int4", "int-channel", bits, "rtn", 1, 2.1, 2.1 + delta(n, d, bits) / 2));
                }
            }
        }
        return rows;
    }

    @Test
    void fitFindsTheConstantsAndPredictEvaluatesTheLaw(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("ptq.csv");
        PtqTable.write(csv, rows());
        byte[] before = Files.readAllBytes(csv);
        try (CellTester cells = new CellTester()) {
            String path = csv.toString().replace("\\", "/");
            cells.run("fit precision law on \"" + path + "\" trained fp32 as law").assertOk();
            PrecisionLaw law = cells.variable("law", PrecisionLaw.class);
            // the table stores losses to a few significant digits, so the constants come back to about 1e-4
            assertEquals(C, law.cT(), 1e-3 * C);
            assertEquals(GD, law.gammaD(), 1e-4);
            assertEquals(GN, law.gammaN(), 1e-4);
            assertEquals(GPOST, law.gammaPost(), 1e-3);
            assertEquals(27, law.rows());
            assertTrue(law.r2() > 0.9999, "R² " + law.r2());

            String out = cells.run("predict law for N 135m, D 2000b at 4 bits as d4").assertOk().textOutput();
            double d4 = cells.variable("d4", Double.class);
            assertEquals(law.cT() * Math.pow(2000e9, law.gammaD()) / Math.pow(135e6, law.gammaN()) * Math.exp(-4 / law.gammaPost()), d4, 1e-12 * d4);
            assertEquals(delta(135e6, 2000e9, 4), d4, 2e-2 * d4);
            assertTrue(out.contains("Predicted PTQ damage") && out.contains("4 bits"), out);

            // int4 per channel keeps 4 bits per weight (its scales depend on the shape, and are not counted here)
            cells.run("predict law for D 2000b, N 135m at int4 as f4").assertOk();
            assertEquals(d4, cells.variable("f4", Double.class), 1e-12);
            // int8 group 32 with fp16 scales: 8.5 bits per weight
            cells.run("predict law for N 1m, D 1b at int8 as g8").assertOk();
            assertTrue(cells.variable("g8", Double.class) < d4);

            // the rows from Java, the other training precision
            // with GPTQ rows beside them (a third of RTN's damage): round to nearest unless 'using gptq' says otherwise
            List<PtqRow> both = new ArrayList<>(rows());
            for (PtqRow x : rows())
                both.add(new PtqRow(x.n(), x.d(), x.trainPrecision(), x.ptqFormat(), x.bits(), "gptq", x.seed(), x.lossFp(), x.lossFp() + x.delta() / 3));
            cells.java("rows", both, "java.util.List<io.precis.engine.lab.PtqRow>");
            String rtnOut = cells.run("fit precision law on rows trained qat-int4 quantized int-channel as qat").assertOk().textOutput();
            assertEquals(C / 2, cells.variable("qat", PrecisionLaw.class).cT(), 1e-3 * C);
            assertTrue(rtnOut.contains("by rtn"), rtnOut);
            String gptqOut = cells.run("fit precision law on rows trained fp32 using gptq as g").assertOk().textOutput();
            assertEquals(C / 3, cells.variable("g", PrecisionLaw.class).cT(), 1e-3 * C);
            assertEquals(GD, cells.variable("g", PrecisionLaw.class).gammaD(), 1e-4);
            assertTrue(gptqOut.contains("by gptq"), gptqOut);
        }
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(csv)), "the table is read, never written");
    }

    @Test
    void mistakesNameWhatIsWrongAtTheirPlace(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("ptq.csv");
        PtqTable.write(csv, rows());
        String path = csv.toString().replace("\\", "/");
        try (CellTester cells = new CellTester()) {
            String several = cells.run("fit precision law on \"" + path + "\"").assertFailed("PrecisError");
            assertTrue(several.contains("say which with 'trained") && several.contains("qat-int4"), several);
            String typo = cells.run("fit precision law on \"" + path + "\" trained fp23").assertFailed("PrecisError");
            assertTrue(typo.contains("no rows trained fp23") && typo.contains("fp32"), typo);
            String noGptq = cells.run("fit precision law on \"" + path + "\" trained fp32 using gptq").assertFailed("PrecisError");
            assertTrue(noGptq.contains("no rows quantized by gptq") && noGptq.contains("it has rtn") && noGptq.contains("1:" + (path.length() + 38)), noGptq);
            String missing = cells.run("fit precision law on \"" + dir.resolve("none.csv").toString().replace("\\", "/") + "\"")
                    .assertFailed("PrecisError");
            assertTrue(missing.contains("no such file"), missing);
            cells.java("x", 3.0, "double");
            String notLaw = cells.run("predict x for N 1m, D 1b at int4").assertFailed("PrecisError");
            assertTrue(notLaw.contains("not a fitted law") && notLaw.contains("1:9"), notLaw);
            cells.run("fit precision law on \"" + path + "\" trained fp32 as law").assertOk();
            String format = cells.run("predict law for N 1m, D 1b at int44").assertFailed("PrecisError");
            assertTrue(format.contains("int44"), format);
        }
    }

    /** Eq. 8-9 (Kumar et al. 2024) with N_eff = N (1 − e^(−P_train/γw)), written out here. */
    private static final double C2 = 20, GW = 2.5, CW = 0.8;

    private static double delta2(double n, double d, double pt, double pp) {
        if (pt <= pp) return 0;
        double neff = n * (1 - Math.exp(-pt / GW));
        return C2 * Math.exp(-pp / GPOST) * Math.pow(d, GD) / Math.pow(neff, GN) * (1 - Math.exp(-CW * (pt - pp)));
    }

    /** Five training precisions; a QAT model's latent loss is 0.2 above its loss as trained (its int-channel row at its bits). */
    private static List<PtqRow> acrossRows() {
        List<PtqRow> rows = new ArrayList<>();
        for (String tp : new String[] {"fp32", "bf16", "qat-int8", "qat-int6", "qat-int4"}) {
            int pt = tp.equals("fp32") ? 32 : tp.equals("bf16") ? 16 : Integer.parseInt(tp.substring(7));
            for (long n : new long[] {50_000, 200_000, 800_000}) {
                for (long d : new long[] {1_000_000, 5_000_000, 30_000_000}) {
                    for (int bits = 3; bits <= 8; bits++) {
                        double latent = tp.startsWith("qat") ? 2.2 : 2.0;
                        rows.add(new PtqRow(n, d, tp, "int-channel", bits, "rtn", 1, latent, 2.0 + delta2(n, d, pt, bits)));
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void acrossTrainingPrecisionsFindsTheEffectiveParameterConstants(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("ptq.csv");
        PtqTable.write(csv, acrossRows());
        String path = csv.toString().replace("\\", "/");
        try (CellTester cells = new CellTester()) {
            String out = cells.run("fit precision law on \"" + path + "\" across training precisions as law2").assertOk().textOutput();
            assertTrue(out.contains("across training precisions (fp32, bf16, qat-int8, qat-int6, qat-int4)") && out.contains("γw ["), out);
            TrainingPrecisionLaw law = cells.variable("law2", TrainingPrecisionLaw.class);
            // losses stored to 6 decimals: the constants come back to about 1e-3
            assertEquals(C2, law.cT(), 1e-2 * C2);
            assertEquals(GD, law.gammaD(), 1e-3);
            assertEquals(GN, law.gammaN(), 1e-3);
            assertEquals(GPOST, law.gammaPost(), 1e-3);
            assertEquals(GW, law.gammaW(), 2e-2);
            assertEquals(CW, law.cW(), 1e-2);
            assertEquals(9 * (5 + 3 + 1), law.rebased());

            cells.run("predict law2 for N 135m, D 2000b trained qat-int4 at int3 as q").assertOk();
            assertEquals(delta2(135e6, 2000e9, 4, 3), cells.variable("q", Double.class), 1e-2 * delta2(135e6, 2000e9, 4, 3));
            String bf = cells.run("predict law2 for N 135m, D 2000b at 4 bits as b").assertOk().textOutput();
            assertTrue(bf.contains("trained bf16 (the default)"), bf);
            assertEquals(delta2(135e6, 2000e9, 16, 4), cells.variable("b", Double.class), 1e-2 * delta2(135e6, 2000e9, 16, 4));
            cells.run("predict law2 for N 1m, D 1b trained qat-int4 at int4 as zero").assertOk();
            assertEquals(0.0, cells.variable("zero", Double.class), "served at the precision it was trained in: no damage (the paper's definition)");

            cells.run("plot law2 as fig").assertOk();
            io.precis.engine.figure.Figure fig = cells.variable("fig", io.precis.engine.figure.Figure.class);
            assertEquals(law.rows(), fig.traces().get(0).points());
            assertTrue(fig.title().contains("R²"), fig.title());

            String badTrained = cells.run("predict law2 for N 1m, D 1b trained int4 at int3").assertFailed("PrecisError");
            assertTrue(badTrained.contains("1:37") && badTrained.contains("qat-intN"), badTrained);
            cells.run("fit precision law on \"" + path + "\" trained fp32 as law1").assertOk();
            String single = cells.run("predict law1 for N 1m, D 1b trained bf16 at int3").assertFailed("PrecisError");
            assertTrue(single.contains("across training precisions"), single);
            cells.java("fp32only", acrossRows().stream().filter(x -> x.trainPrecision().equals("fp32")).toList(),
                    "java.util.List<io.precis.engine.lab.PtqRow>");
            String one = cells.run("fit precision law on fp32only across training precisions").assertFailed("PrecisError");
            assertTrue(one.contains("at least two training precisions"), one);
        }
    }
}
