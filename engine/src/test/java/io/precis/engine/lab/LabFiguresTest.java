package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Trace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabFiguresTest {

    @Test
    void deltaVsDHasOneMeasuredTraceAndOneLawLinePerBitsOnLogAxes() {
        List<PtqRow> rows = new ArrayList<>(PrecisionLawTest.synthetic(0.05, 1));
        rows.add(new PtqRow(100_000, 1_000_000, "fp32", "int-channel", 9, "rtn", 1, 3.0, 2.9)); // δ < 0: left off the log axis
        PrecisionLaw law = PrecisionLaw.fit(PrecisionLawTest.synthetic(0.05, 1), 10, 1);
        Figure f = LabFigures.deltaVsD(rows, "int-channel", "fp32", 100_000, law);
        assertTrue(f.xAxis().log() && f.yAxis().log());
        assertEquals(12, f.traces().size(), "6 bit widths × (measured, law)");
        Trace line3 = f.traces().get(1);
        assertEquals(law.predict(100_000, 1_000_000, 3), line3.y().get(0), 1e-12);
        assertTrue(f.traces().stream().allMatch(t -> t.y().stream().allMatch(y -> y > 0)));
        assertTrue(f.summary().contains("1 rows with δ ≤ 0"), f.summary());
        assertTrue(f.toPlotlyJson().contains("\"type\":\"log\""));
    }

    @Test
    void otherFiguresHaveATracePerGroup() {
        List<PtqRow> rows = PrecisionLawTest.synthetic(0.05, 2);
        PrecisionLaw law = PrecisionLaw.fit(rows, 10, 1);
        assertEquals(4, LabFigures.deltaVsBits(rows, "int-channel", "fp32", 300_000).traces().size(), "one line per D");
        // two seeds: a line per D and seed, the D's colour, one legend entry per D, each line going up in bits
        List<PtqRow> seeds = new ArrayList<>(rows);
        rows.forEach(r -> seeds.add(new PtqRow(r.n(), r.d(), r.trainPrecision(), r.ptqFormat(), r.bits(), r.algorithm(), 2, r.lossFp(), r.lossQ() * 1.01)));
        Figure bySeed = LabFigures.deltaVsBits(seeds, "int-channel", "fp32", 300_000);
        assertEquals(8, bySeed.traces().size());
        assertEquals(4, bySeed.traces().stream().filter(Trace::showLegend).count());
        assertEquals(bySeed.traces().get(0).color(), bySeed.traces().get(1).color());
        for (Trace t : bySeed.traces())
            for (int k = 1; k < t.points(); k++) assertTrue(((Number) t.x().get(k)).doubleValue() > ((Number) t.x().get(k - 1)).doubleValue(), t.name());
        Figure mp = LabFigures.measuredVsPredicted(rows, law);
        assertEquals(rows.size(), mp.traces().get(0).points());
        List<PtqRow> two = new ArrayList<>(rows);
        rows.forEach(r -> two.add(new PtqRow(r.n(), r.d(), "qat-int4", r.ptqFormat(), r.bits(), r.algorithm(), r.seed(), r.lossFp(), r.lossFp() + r.delta() / 2)));
        assertEquals(2, LabFigures.robustness(two, "int-channel", 1_000_000, 30_000_000).traces().size());
    }

    @Test
    void gptqRowsStayOutOfRoundToNearestsFiguresAndGetTheirOwn() {
        List<PtqRow> rtn = PrecisionLawTest.synthetic(0.05, 3);
        List<PtqRow> both = new ArrayList<>(rtn);
        rtn.forEach(r -> both.add(new PtqRow(r.n(), r.d(), r.trainPrecision(), r.ptqFormat(), r.bits(), "gptq", r.seed(), r.lossFp(), r.lossFp() + r.delta() / 3)));
        PrecisionLaw law = PrecisionLaw.fit(rtn, 10, 1);
        assertEquals(LabFigures.deltaVsD(rtn, "int-channel", "fp32", 100_000, law).toPlotlyJson(),
                LabFigures.deltaVsD(both, "int-channel", "fp32", 100_000, law).toPlotlyJson());
        assertEquals(LabFigures.deltaVsBits(rtn, "int-channel", "fp32", 300_000).toPlotlyJson(),
                LabFigures.deltaVsBits(both, "int-channel", "fp32", 300_000).toPlotlyJson());
        PrecisionLaw gptq = PrecisionLaw.fit(both.stream().filter(r -> r.algorithm().equals("gptq")).toList(), 10, 1);
        Figure f = LabFigures.gptqVsRtn(both, "int-channel", 100_000, List.of(3, 4), law, gptq);
        assertEquals(8, f.traces().size(), "2 bit widths × (RTN, GPTQ) × (measured, law)");
        Trace g3 = f.traces().get(2);
        assertEquals("3 bits GPTQ", g3.name());
        double rtn3 = f.traces().get(0).y().get(0);
        assertEquals(rtn3 / 3, g3.y().get(0), 1e-4 * rtn3, "GPTQ's rows, a third of RTN's here");
        assertEquals(gptq.predict(100_000, (Long) f.traces().get(3).x().get(0), 3), f.traces().get(3).y().get(0), 1e-12);
    }

    @Test
    void lawFiguresShowEveryFittedRowAndTheLawsLines() {
        TrainingPrecisionLaw law = TrainingPrecisionLaw.fit(TrainingPrecisionLawTest.table(0.05, 2), 5, 1);
        Figure mp = LabFigures.measuredVsPredicted(law);
        assertEquals(law.rows(), mp.traces().get(0).points());
        assertEquals(law.measured()[0], mp.traces().get(0).y().get(0), 0);
        Figure res = LabFigures.residuals(law);
        assertEquals(5 + 1, res.traces().size(), "one trace per training precision and the zero line");
        assertEquals(law.rows(), res.traces().stream().limit(5).mapToInt(Trace::points).sum());
        assertTrue(res.summary().startsWith("RMS residual"), res.summary());
        Figure rob = LabFigures.robustness(law, 50_000, 1_000_000);
        assertEquals(10, rob.traces().size(), "measured and law for each of 5 training precisions");
        Trace int4Law = rob.traces().stream().filter(t -> t.name().equals("qat-int4 (law)")).findFirst().orElseThrow();
        assertEquals(law.predict(50_000, 1_000_000, 4, 3), int4Law.y().get(0), 1e-15);
        assertEquals(1, int4Law.points(), "an int4-trained model is only damaged below 4 bits");
    }
}
