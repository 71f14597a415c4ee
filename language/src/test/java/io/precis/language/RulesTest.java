package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.DslParser;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerKind;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import io.precis.language.bench.DslBench;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RulesTest {

    private static Plan resolve(String source, Map<String, Object> vars) {
        return Planner.resolve("bench", DslBench.twoHundredLayers(), CellRuntime.rules(source, vars), SensitivityLookup.NONE);
    }

    @Test
    void theLanguageCompilesToTheEnginesRules() {
        List<Rule> rules = CellRuntime.rules("quantize layer* to int4 group 64 asymmetric mse\nkeep *.query except layer.0.*", Map.of());
        assertEquals(2, rules.size());
        assertEquals(Formats.int4().groups(64).asymmetric().mse(), rules.get(0).format());
        assertTrue(rules.get(1).isKeep());
        assertEquals("rule 1 (line 1): quantize layer* to int4 group 64 asymmetric mse", rules.get(0).label());
    }

    @Test
    void conditionsReadJavaValuesAndWords() {
        Plan p = resolve("quantize * to int8 where params > limit and not kind = norm", Map.of("limit", 200_000L));
        assertTrue(p.layers().stream().filter(l -> l.isQuantized()).allMatch(l -> l.layer().params() > 200_000));
        assertTrue(p.layer("encoder.layer.0.intermediate.dense").orElseThrow().isQuantized());
        assertFalse(p.layer("encoder.layer.0.attention.self.query").orElseThrow().isQuantized());
        Plan heads = resolve("quantize * to int8 where kind = head", Map.of());
        assertEquals("rule 1 (line 1): quantize * to int8 where kind = head", heads.layer("classifier").orElseThrow().decidedBy());
        Plan byIndex = resolve("quantize * to int4 where index >= 189 and name = \"*dense*\"", Map.of());
        assertEquals(List.of("encoder.layer.15.intermediate.dense", "encoder.layer.15.output.dense", "pooler.dense"),
                byIndex.quantized().stream().map(l -> l.name()).toList());
        assertEquals(LayerKind.HEAD, heads.layer("classifier").orElseThrow().layer().kind());
    }

    @Test
    void mistakesAreFormattedWithLineColumnCaretAndSuggestion() {
        PrecisError e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize layer* to in4 where sensitivity < x", Map.of("x", 0.1)));
        assertEquals("""
                line 1:20: unknown format 'in4'. Did you mean int4? Formats: %s
                quantize layer* to in4 where sensitivity < x
                                   ^^^""".formatted(Formats.summary()), e.getMessage());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize * to nvfp4 group 32", Map.of()));
        assertTrue(e.getMessage().startsWith("line 1:21: "), e.getMessage());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize * to int4 where sensitivity < s", Map.of("s", "small")));
        assertTrue(e.getMessage().startsWith("line 1:40: variable s is a String; sensitivity is compared with a number"), e.getMessage());
        assertEquals("gptq", CellRuntime.rules("quantize * to int4 gptq", Map.of()).get(0).algorithm().name());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize * to nf4 using gptq", Map.of()));
        assertTrue(e.getMessage().startsWith("line 1:19: gptq needs an integer format"), e.getMessage());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize * to int4 where kind = lineer", Map.of()));
        assertTrue(e.getMessage().contains("Did you mean linear?"), e.getMessage());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize * to int4 where kind < linear", Map.of()));
        assertTrue(e.getMessage().contains("kind is compared with = or !="), e.getMessage());
        e = assertThrows(PrecisError.class, () -> CellRuntime.rules("quantize layer[0 to int4", Map.of()));
        assertTrue(e.getMessage().startsWith("line 1:15: unclosed '[' in a pattern"), e.getMessage());
    }

    @Test
    void statementsDeclareTheirJavaNamesInOneOrder() {
        var st = DslParser.parse("quantize * to int4 where params < a and (sensitivity > b or kind = c) and params < a").program().statements().get(0);
        assertEquals(List.of("a", "b", "c"), Statements.references(st).stream().map(Statements.Reference::name).toList());
        assertEquals(Statements.Role.WORD, Statements.references(st).get(2).role());
        assertEquals(Rule.class, Statements.resultType(st).orElseThrow());
        assertNull(Statements.resultType(DslParser.parse("set seed 3").program().statements().get(0)).orElse(null));
    }

    @Test
    void rerunningACellReplacesItsRulesInPlace() {
        PrecisSession s = new PrecisSession();
        Rule a = CellRuntime.rules("quantize * to int8", Map.of()).get(0);
        Rule b = CellRuntime.rules("quantize *.query to int4", Map.of()).get(0);
        Rule c = CellRuntime.rules("keep *.key", Map.of()).get(0);
        s.beginCell("cell-1");
        s.addRule(a);
        s.beginCell("cell-2");
        s.addRule(b);
        s.beginCell("cell-1"); // cell 1 runs again, now with another rule
        s.addRule(c);
        assertEquals(List.of(c, b), s.rules());
        s.beginCell(null);
        s.addRule(a);
        s.addRule(a); // no cell identity: the same rule twice is kept once
        assertEquals(List.of(c, b, a), s.rules());
    }
}
