package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.language.testkit.CellTester;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every precondition of every statement is a language error: {@code line L:C}, carets under the statement
 * (or the value), and what to do. None may surface as a Java exception.
 */
class PreconditionsTest {

    private static final String MLP = "../models/trained/fashion-mlp-0000.params";
    private static final String CHAR_LM = "../models/trained/char-lm-0000.params";
    private static final Pattern LINE_COL = Pattern.compile("^line (\\d+):(\\d+): ");

    /** Runs a cell that must fail with a PrecisError at {@code line:col}; returns the message. */
    private static String fails(CellTester cells, String cell, String at, String... mentions) {
        String error = cells.run(cell).assertFailed("PrecisError");
        var m = LINE_COL.matcher(error);
        assertTrue(m.find(), "no line:col in: " + error);
        assertEquals(at, m.group(1) + ":" + m.group(2), error);
        assertTrue(error.contains("^"), "no carets: " + error);
        assertFalse(error.contains("Exception") || error.contains("\tat ") || error.contains("    at "), error);
        for (String s : mentions) {
            assertTrue(error.contains(s), "'" + s + "' missing from: " + error);
        }
        return error;
    }

    @Test
    void withoutAModelEveryStatementThatNeedsOneSaysHowToLoadOne() {
        try (CellTester cells = new CellTester()) {
            for (String statement : new String[] {"show plan", "show layers", "evaluate", "sensitivity", "sweep * over int8",
                    "search budget 4 bits", "export plan to \"p.json\"", "evaluate plan"}) {
                fails(cells, "\n  " + statement, "2:3", "needs a model", "load model");
            }
            fails(cells, "\n  plot plan", "2:8", "needs a model", "load model");
        }
    }

    @Test
    void aModelWithoutDataSaysHowToGiveItData(@TempDir Path dir) {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m").assertOk();
            // the way the issue reached it: data named by 'use' does not exist, the model stays in use
            fails(cells, "use m on nosuch", "1:10", "unknown dataset 'nosuch'");
            cells.run("quantize * to int4 where sensitivity < 0.5").assertOk();
            String export = dir.resolve("plan.json").toString().replace('\\', '/');
            String[][] cases = {{"show plan", "1:1"}, {"export plan to \"" + export + "\"", "1:8"}, {"show plan as p", "1:1"},
                {"plot plan", "1:6"}};
            for (String[] c : cases) {
                fails(cells, c[0], c[1], "needs sensitivities", "no data", "use m on DATASET", "where sensitivity < 0.5");
            }
            assertFalse(Files.exists(dir.resolve("plan.json")));
            for (String statement : new String[] {"evaluate", "sensitivity", "sweep * over int4", "search budget 4 bits",
                    "search tolerance 0.1"}) {
                fails(cells, statement, "1:1", "needs data", "use m on calib");
            }
            // without the rule that reads sensitivity, the plan needs no data
            cells.session().clearRules();
            cells.run("quantize * to int8\nshow plan").assertOk();
        }
    }

    @Test
    void resultsThatDoNotExistYetOrAreOfTheWrongKindAreNamed() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m\nload dataset \"fashion-mnist:test\" as d\nset samples 16\nuse m on d").assertOk();
            fails(cells, "plot sensitivity", "1:6", "no sensitivity measured yet", "'sensitivity' first");
            fails(cells, "plot plan", "1:6", "search budget");
            cells.java("s", "some text", "String");
            fails(cells, "export s to \"x.json\"", "1:8", "a plan is needed", "String");
            fails(cells, "evaluate s", "1:10", "a plan is needed");
            fails(cells, "plot s", "1:6", "plot draws");
            fails(cells, "sensitivity nothing*", "1:13", "no layer of m matches");
            fails(cells, "use m as u", "1:10", "no result to name", "remove 'as u'");
        }
    }

    @Test
    void aPlanForAnotherModelIsRefusedWhereItIsUsed(@TempDir Path dir) {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m\nquantize * to int8\nshow plan as p").assertOk();
            cells.run("load model \"" + CHAR_LM + "\" as c\nuse c").assertOk();
            fails(cells, "export p to \"" + dir.resolve("p.json").toString().replace('\\', '/') + "\"", "1:1",
                    "this plan is for another model", "c has no layer");
        }
    }

    @Test
    void sensitivityCannotChooseLayersWhereNoFormatIsGiven() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m").assertOk();
            fails(cells, "keep * where sensitivity > 0.1", "1:14", "not by sensitivity", "quantize PATTERN to FORMAT");
            fails(cells, "show layers where sensitivity < 1", "1:19", "not by sensitivity", "run 'sensitivity'");
        }
    }

    @Test
    void settingsAndOptionsAreRangeChecked(@TempDir Path dir) throws Exception {
        Path sentences = Files.writeString(dir.resolve("s.txt"), "one sentence\nanother one\n");
        String file = sentences.toString().replace('\\', '/');
        try (CellTester cells = new CellTester()) {
            fails(cells, "set samples 0", "1:13", "samples is a whole number from 1", "set samples 256");
            fails(cells, "set samples 2.5", "1:13", "not 2.5");
            fails(cells, "set samples 1e308", "1:13", "whole number");
            fails(cells, "set seed 0.5", "1:10", "seed is a whole number");
            fails(cells, "set seed fast", "1:10", "seed is a number");
            for (String limit : new String[] {"-1", "0", "0.5", "1e308", "50%"}) {
                fails(cells, "load dataset \"" + file + "\" options (limit = " + limit + ")", "1:" + (file.length() + 26),
                        "limit", "whole number of sentences from 1");
            }
            fails(cells, "load dataset \"" + file + "\" options (kind = csv)", "1:" + (file.length() + 26), "unknown data kind 'csv'", "sentences");
            fails(cells, "load dataset \"" + dir.toString().replace('\\', '/') + "\"", "1:14", "is a directory");
            cells.run("load dataset \"" + file + "\" options (kind = sentences, limit = 1) as one").assertOk();
            assertEquals(1, ((io.precis.engine.data.SentenceSet) cells.session().datasets().get("one")).size());
            assertEquals("256", cells.session().settings().get("samples"), "a refused value leaves the setting as it was");
        }
    }

    @Test
    void searchGoalsAreRangeChecked() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m\nload dataset \"fashion-mnist:test\" as d\nset samples 8\nuse m on d").assertOk();
            assertTrue(cells.run("search budget 0 bits").assertFailed("PrecisSyntaxError").startsWith("line 1:15: "));
            fails(cells, "search budget 100 bits", "1:15", "above 0 and at most 64");
            fails(cells, "search budget 1e300 bits", "1:15", "at most 64");
            assertTrue(cells.run("search tolerance -1").assertFailed("PrecisSyntaxError").startsWith("line 1:18: "));
        }
    }

    @Test
    void badFileNamesAreErrorsAtTheName() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + MLP + "\" as m").assertOk();
            fails(cells, "export plan to \"\"", "1:16", "file name is empty");
            fails(cells, "load model \"no/such/model.params\"", "1:12");
        }
    }
}
