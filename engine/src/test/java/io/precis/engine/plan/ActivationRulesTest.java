package io.precis.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.algo.ActivationQuant;
import io.precis.engine.format.Formats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code quantize activations} rules in a plan: which layers, which rule wins, what the plan shows. */
class ActivationRulesTest {

    private static final ActivationSpec TOKEN = new ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, true);
    private static final ActivationSpec STATIC = new ActivationSpec(ActivationQuant.Granularity.PER_TENSOR, false);

    private static Rule acts(String label, String pattern, ActivationSpec s) {
        return Rule.activations(label, List.of(LayerPattern.glob(pattern)), s);
    }

    private static Plan resolve(List<Rule> rules) {
        return Planner.resolve("m", PlannerTest.bert(), rules, SensitivityLookup.NONE);
    }

    @Test
    void linearLayersOnlyLaterRulesWinAndKeepLeavesInputsAlone() {
        Plan p = resolve(List.of(PlannerTest.quantize("w", "*", Formats.int8()), acts("a1", "*", TOKEN),
                acts("a2", "*.output.dense", STATIC), Rule.keep("k", List.of(LayerPattern.glob("pooler.*")))));
        // 10 encoder linears and the pooler (kept weights, quantized input); not the embedding, norm or head
        assertEquals(11, p.activations().size());
        assertEquals(TOKEN, p.activations().get("encoder.layer.0.attention.self.query"));
        assertEquals(STATIC, p.activations().get("encoder.layer.1.output.dense"));
        assertEquals(TOKEN, p.activations().get("pooler.dense"));
        assertFalse(p.activations().containsKey("classifier"));
        assertTrue(p.hasStaticActivations());
        assertTrue(p.needsCalibration(), "static scales are calibrated");
        String text = p.toText();
        assertTrue(text.contains("W int8 / A int8 per token dynamic"), text);
        assertTrue(text.contains("W int8 / A int8 per tensor static"), text);
        assertTrue(text.contains("W full precision / A int8 per token dynamic"), text);
        assertTrue(text.contains("activations: 11 layers' inputs quantized (int8 per token dynamic, int8 per tensor static)"), text);
        assertTrue(p.idleRules().isEmpty());
        assertEquals("w; a2", p.layer("encoder.layer.1.output.dense").orElseThrow().decidedBy());
        assertEquals("k; a1", p.layer("pooler.dense").orElseThrow().decidedBy());
        assertEquals("default (head)", p.layer("classifier").orElseThrow().decidedBy());
    }

    @Test
    void unmatchedRulesAreIdleAndPlansWithoutActivationsAreUnchanged() {
        Plan p = resolve(List.of(PlannerTest.quantize("w", "*", Formats.int8()), acts("a", "nothing.*", TOKEN)));
        assertTrue(p.activations().isEmpty());
        assertEquals(List.of("a"), p.idleRules().stream().map(Rule::label).toList());
        assertFalse(p.needsCalibration());
        assertEquals(resolve(List.of(PlannerTest.quantize("w", "*", Formats.int8()))).toText(), p.toText().replace("decided nothing: a\n", ""));
        assertThrows(IllegalArgumentException.class, () -> new ActivationSpec(ActivationQuant.Granularity.PER_TOKEN, false));
    }
}
