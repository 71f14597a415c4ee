package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.Language;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import io.precis.language.testkit.CellResult;
import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The language's runtime through the cell test kit: cells in, what they show and bind out. */
class CellsTest {

    private static final String MLP = "../models/trained/fashion-mlp-0000.params";

    @Test
    void aMistakeIsALineColumnMessageWithCaretsAndASuggestion() {
        try (CellTester cells = new CellTester()) {
            String error = cells.run("\n  quantize layer* to in4").assertFailed("PrecisError");
            assertTrue(error.startsWith("line 2:"), error);
            assertTrue(error.contains("in4") && error.contains("Did you mean int4?"), error);
            assertTrue(error.contains("^^^"), error);
            String syntax = cells.run("quantize to").assertFailed("PrecisSyntaxError");
            assertTrue(syntax.startsWith("line 1:"), syntax);
        }
    }

    @Test
    void statementsRunInOrderAndAnUnknownJavaNameStopsTheCellWhereItStands() {
        try (CellTester cells = new CellTester()) {
            cells.java("x", 0.01, "double");
            String error = cells.run("quantize * to int8\nquantize * to int4 where sensitivity < y").assertFailed("PrecisError");
            assertTrue(error.contains("unknown variable 'y'") && error.contains("Did you mean x?"), error);
            assertEquals(1, cells.session().rules().size(), "the statement before the mistake ran");
        }
    }

    @Test
    void settingsAndMetricsComeFromTheGrammarsOneList() {
        try (CellTester cells = new CellTester()) {
            for (Language.Setting s : Language.SETTINGS) {
                assertEquals(s.defaultValue(), cells.session().settings().get(s.name()));
            }
            CellResult r = cells.run("set metric kl").assertOk();
            assertEquals(List.of("set metric kl"), r.text());
            assertEquals("kl", cells.session().settings().get("metric"));
            assertTrue(cells.run("set metrc kl").assertFailed("PrecisError").contains("Did you mean metric?"));
            String bad = cells.run("set metric klx").assertFailed("PrecisError");
            assertTrue(bad.contains(String.join(", ", Language.METRICS)), bad);
            assertTrue(cells.complete("set s", 5).items().stream().anyMatch(i -> i.text().equals("seed") && i.type().equals("setting")));
        }
        // The grammar cannot see the engine: its list must name exactly the engine's metrics (and "default").
        assertEquals(java.util.Arrays.stream(io.precis.engine.analysis.SensitivityMetric.values()).map(m -> m.keyword().replace('-', '_')).sorted().toList(),
                Language.METRICS.stream().filter(m -> !m.equals("default")).sorted().toList());
    }

    @Test
    void rerunningACellReplacesItsRulesWhereTheyStood() {
        try (CellTester cells = new CellTester()) {
            cells.run("quantize * to int8\nkeep *.x", "a").assertOk();
            cells.run("quantize *.y to int4", "b").assertOk();
            cells.run("quantize * to int6", "a").assertOk();
            List<String> labels = cells.session().rules().stream().map(Rule::label).toList();
            assertEquals(2, labels.size(), labels.toString());
            assertTrue(labels.get(0).endsWith("quantize * to int6") && labels.get(1).endsWith("quantize *.y to int4"), labels.toString());
        }
    }

    @Test
    void asNameBindsTheResultsRealTypeAndLaterStatementsReadIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("plan.json");
        try (CellTester cells = new CellTester()) {
            CellResult load = cells.run("load model \"" + MLP + "\" as mlp").assertOk();
            assertTrue(load.textOutput().startsWith("Loaded mlp: "), load.textOutput());
            CellResult r = cells.run("""
                    quantize * to int4 as r
                    show plan as p
                    export p to "%s"
                    """.formatted(out.toString().replace("\\", "/"))).assertOk();
            assertInstanceOf(Rule.class, cells.variable("r"));
            assertEquals(Plan.class.getCanonicalName(), cells.typeOf("p"));
            Plan plan = cells.variable("p", Plan.class);
            assertEquals(plan, r.lastShown(Plan.class));
            List<LayerPlan> quantized = plan.quantized();
            assertFalse(quantized.isEmpty());
            assertTrue(quantized.stream().allMatch(l -> l.format().toString().startsWith("int4")), quantized.toString());
            assertTrue(Files.readString(out).contains("\"int4"), "export read p, bound two statements earlier");
            String layer = quantized.get(0).name();
            assertTrue(cells.inspect(layer, 1).orElseThrow().contains(layer));
            assertTrue(cells.complete("quantize ", 9).items().stream().anyMatch(i -> i.text().equals(layer) && i.type().equals("layer")));
        }
    }
}
