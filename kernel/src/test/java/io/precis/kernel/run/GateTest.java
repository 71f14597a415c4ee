package io.precis.kernel.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GateTest {

    private static final JsonNode RESULTS = json("""
            {"best": {"type": "plan", "measured": 0.0731, "effective_bits": 4.5, "metric": "kl", "formats": {"enc.layer.0": "int4"}},
             "ev": {"change": -0.002, "scores": {"accuracy": {"change": -0.01}}, "unmeasured": null}}""");

    private static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean holds(String gate) {
        return Gate.parse(gate).test(RESULTS).holds();
    }

    @Test
    void comparesFieldsWithNumbersAndCombines() {
        assertTrue(holds("best.measured > 0.05"));
        assertFalse(holds("best.measured > 0.08"));
        assertTrue(holds("best.measured >= 7.31%"));
        assertTrue(holds("ev.change < -1e-3 and best.effective_bits <= 4.5"));
        assertTrue(holds("ev.change > 0 or ev.scores.accuracy.change < -0.005"));
        assertFalse(holds("not (best.measured > 0.05)"));
        assertTrue(holds("best.metric == \"kl\" and best.formats[\"enc.layer.0\"] != \"int8\""));
        assertTrue(holds("0.05 < best.measured"));
        assertTrue(holds("best.measured > ev.change"));
        // A value that was not measured cannot pass a CI gate.
        assertTrue(holds("ev.unmeasured > 1"));
    }

    @Test
    void verdictListsTheValuesItRead() {
        Gate.Verdict v = Gate.parse("best.measured > 0.05 and ev.change < 0").test(RESULTS);
        assertEquals("best.measured = 0.0731, ev.change = -0.002", v.valuesText());
    }

    @Test
    void syntaxErrorsHaveColumns() {
        assertEquals(15, column("best.measured >> 0.05"));
        assertEquals(15, column("best.measured = 0.05"));
        assertEquals(15, column("best.measured 0.05"));
        assertEquals(17, column("best.measured > "));   // just after the end: where the number belongs
        assertEquals(1, column("(best.measured > 1"));
        assertEquals(22, column("best.measured > 0.05 ev.change < 1"));
        assertEquals(1, column("1 > 2"));
        assertEquals(6, column("best. > 1"));
        assertEquals(18, column("best.measured > 5x"));
    }

    private static int column(String gate) {
        return assertThrows(Gate.GateSyntaxError.class, () -> Gate.parse(gate)).column();
    }

    @Test
    void unknownFieldsSayWhatExists() {
        String m = assertThrows(Gate.Unresolved.class, () -> Gate.parse("bset.measured > 1").test(RESULTS)).getMessage();
        assertEquals("no result named 'bset'; did you mean 'best'? (results: best, ev)", m);
        m = assertThrows(Gate.Unresolved.class, () -> Gate.parse("best.mesured > 1").test(RESULTS)).getMessage();
        assertTrue(m.startsWith("'best' has no field 'mesured'; did you mean 'measured'?"), m);
        m = assertThrows(Gate.Unresolved.class, () -> Gate.parse("best.metric > 1").test(RESULTS)).getMessage();
        assertTrue(m.contains("needs two numbers"), m);
    }

    @Test
    void driftComparesNumbersWithinTolerance() {
        List<Drift.Change> changes = new ArrayList<>();
        Drift.compareText(3, 1, "loss 0.1452 -> 0.1519, done in 1.5 s", "loss 0.1452 -> 0.1520, done in 9.9 s", 1e-3, 0, changes);
        assertTrue(changes.isEmpty(), changes.toString());
        Drift.compareText(3, 1, "loss 0.1452 -> 0.1519", "loss 0.1452 -> 0.1600", 1e-3, 0, changes);
        assertEquals("cell 3, output 1: 0.1519 -> 0.1600 (+5.33%)", changes.get(0).toString());
        changes.clear();
        Drift.compareText(2, 2, "a 1\nb 2", "a 1\nc 2", 1e-3, 0, changes);
        assertEquals("cell 2, output 2: 'b 2' -> 'c 2' (text changed, line 2)", changes.get(0).toString());
    }

    @Test
    void scriptsCutIntoBlocksWithLines() {
        Script s = Script.parse("// c\n%java parameters\ndouble x = 1;\n%end\nload model \"m\" as m\n%java\nint k;\n%end\n");
        assertEquals(List.of(Script.Kind.PARAMETERS, Script.Kind.LANGUAGE, Script.Kind.JAVA), s.blocks().stream().map(Script.Block::kind).toList());
        assertEquals(List.of(3, 5, 7), s.blocks().stream().map(Script.Block::firstLine).toList());
        String m = assertThrows(IllegalArgumentException.class, () -> Script.parse("%java\nint k;\n")).getMessage();
        assertEquals("line 1: this %java block is not closed; end it with a line %end", m);
    }

    @Test
    void parametersBecomeTypedDeclarations() {
        assertEquals("double x = 0.02;", Params.declaration("x", "0.02"));
        assertEquals("int n = 3;", Params.declaration("n", "3"));
        assertEquals("long n = 30000000000L;", Params.declaration("n", "30000000000"));
        assertEquals("boolean b = true;", Params.declaration("b", "True"));
        assertEquals("String s = \"int4 \\\"q\\\"\";", Params.declaration("s", "int4 \"q\""));
        assertEquals("String s = \"42\";", Params.declaration("s", "'42'"));
        assertThrows(IllegalArgumentException.class, () -> Params.parse(List.of("class=1")));
        assertThrows(IllegalArgumentException.class, () -> Params.parse(List.of("x")));
    }
}
