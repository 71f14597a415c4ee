package io.precis.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.TensorRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {

    static LayerRef layer(String name, LayerKind kind, long rows, long cols) {
        return new LayerRef(name, kind, List.of(new TensorRef(name + ".weight", TensorRef.Role.WEIGHT, new long[] {rows, cols}, "float32", 0)));
    }

    /** A small BERT-like layer list: embeddings, two encoder layers, a pooler and a head. */
    static List<LayerRef> bert() {
        List<LayerRef> l = new ArrayList<>();
        l.add(layer("embeddings.word_embeddings", LayerKind.EMBEDDING, 1000, 64));
        l.add(layer("embeddings.LayerNorm", LayerKind.NORM, 64, 1));
        for (int i = 0; i < 2; i++) {
            String p = "encoder.layer." + i + ".";
            l.add(layer(p + "attention.self.query", LayerKind.LINEAR, 64, 64));
            l.add(layer(p + "attention.self.key", LayerKind.LINEAR, 64, 64));
            l.add(layer(p + "attention.output.dense", LayerKind.LINEAR, 64, 64));
            l.add(layer(p + "intermediate.dense", LayerKind.LINEAR, 256, 64));
            l.add(layer(p + "output.dense", LayerKind.LINEAR, 64, 256));
        }
        l.add(layer("pooler.dense", LayerKind.LINEAR, 64, 64));
        l.add(layer("classifier", LayerKind.HEAD, 2, 64));
        return l;
    }

    static Rule quantize(String label, String pattern, Format f) {
        return Rule.quantize(label, List.of(LayerPattern.glob(pattern)), f);
    }

    static Plan resolve(List<Rule> rules) {
        return Planner.resolve("bert", bert(), rules, SensitivityLookup.NONE);
    }

    static String by(Plan p, String layer) {
        return p.layer(layer).orElseThrow().decidedBy();
    }

    static Format fmt(Plan p, String layer) {
        return p.layer(layer).orElseThrow().format();
    }

    @Test
    void laterRulesOverrideEarlierOnesWhereTheyMatch() {
        Plan p = resolve(List.of(quantize("r1", "layer*", Formats.int4()), quantize("r2", "*.attention.*", Formats.int8())));
        assertEquals(Formats.int8(), fmt(p, "encoder.layer.0.attention.self.query"));
        assertEquals("r2", by(p, "encoder.layer.1.attention.output.dense"));
        assertEquals(Formats.int4(), fmt(p, "encoder.layer.0.intermediate.dense"));
        assertEquals("r1", by(p, "encoder.layer.1.output.dense"));
        assertEquals(List.of(), p.idleRules());
    }

    @Test
    void keepPinsWhateverItsPosition() {
        Plan p = resolve(List.of(Rule.keep("k", List.of(LayerPattern.glob("pooler*"))), quantize("r", "*", Formats.int4())));
        assertNull(fmt(p, "pooler.dense"));
        assertEquals("k", by(p, "pooler.dense"));
        assertEquals(Formats.int4(), fmt(p, "encoder.layer.0.output.dense"));
    }

    @Test
    void embeddingsNormsAndHeadsStayUnlessNamedExplicitly() {
        Plan p = resolve(List.of(quantize("all", "*", Formats.int8())));
        assertEquals("default (embedding)", by(p, "embeddings.word_embeddings"));
        assertEquals("default (norm)", by(p, "embeddings.LayerNorm"));
        assertEquals("default (head)", by(p, "classifier"));
        assertNull(fmt(p, "classifier"));
        Plan named = resolve(List.of(quantize("all", "*", Formats.int8()), quantize("emb", "word_embeddings", Formats.int8())));
        assertEquals("emb", by(named, "embeddings.word_embeddings"));
        Plan byKind = resolve(List.of(quantize("all", "*", Formats.int8())
                .where(c -> c.kind().equals("head"), Set.of(LayerKind.HEAD))));
        assertEquals("all", by(byKind, "classifier"));
        assertEquals("no rule", by(byKind, "pooler.dense"));
    }

    @Test
    void rulesThatDecideNothingAreListed() {
        Rule none = quantize("typo", "encoder.layr.*", Formats.int4());
        Rule shadowed = quantize("shadowed", "*.self.*", Formats.int4());
        Rule later = quantize("later", "*.attention.*", Formats.int8());
        Plan p = resolve(List.of(none, shadowed, later));
        assertEquals(List.of(none, shadowed), p.idleRules());
        assertTrue(p.toText().contains("decided nothing: typo"));
    }

    @Test
    void exceptAndWhereNarrowARule() {
        Rule r = quantize("r", "*", Formats.int4()).except(List.of(LayerPattern.glob("*.key")))
                .where(c -> c.params() > 5000, Set.of());
        Plan p = resolve(List.of(r));
        assertEquals("no rule", by(p, "encoder.layer.0.attention.self.key"));
        assertEquals(Formats.int4(), fmt(p, "encoder.layer.0.intermediate.dense"));
        assertEquals("no rule", by(p, "encoder.layer.0.attention.self.query")); // 4096 params
    }

    @Test
    void sensitivityIsComputedOnlyForCandidatesAndShownWhenKnown() {
        Map<String, Double> computed = new HashMap<>();
        SensitivityLookup lookup = new SensitivityLookup() {
            @Override
            public double sensitivity(LayerRef layer, Format format) {
                double s = layer.name().contains("intermediate") ? 0.01 : 0.0001;
                computed.put(layer.name() + "/" + format, s);
                return s;
            }

            @Override
            public OptionalDouble known(LayerRef layer, Format format) {
                Double d = computed.get(layer.name() + "/" + format);
                return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
            }

            @Override
            public String describe() {
                return "Δloss on test data";
            }
        };
        double x = 0.002;
        Rule r = quantize("mission", "layer*", Formats.int4()).where(c -> c.sensitivity() < x, Set.of());
        Plan p = Planner.resolve("bert", bert(), List.of(r), lookup);
        assertEquals(10, computed.size(), "only the ten encoder layers are candidates");
        assertNull(fmt(p, "encoder.layer.0.intermediate.dense"));
        assertEquals(Formats.int4(), fmt(p, "encoder.layer.0.output.dense"));
        assertEquals(0.0001, p.layer("encoder.layer.0.output.dense").orElseThrow().sensitivity().getAsDouble());
        assertEquals("Δloss on test data", p.sensitivityNote());
    }

    @Test
    void bitsAndSizeCountScales() {
        Plan p = resolve(List.of(quantize("g", "*", Formats.int4().groups(64))));
        LayerPlan q = p.layer("encoder.layer.0.attention.self.query").orElseThrow();
        assertEquals(4 + 16.0 / 64, q.bits(), 1e-9);
        assertEquals(32.0, p.layer("classifier").orElseThrow().bits());
        double expected = 0;
        for (LayerPlan l : p.layers()) {
            expected += l.bits() * l.weightParams() / 8;
        }
        assertEquals(expected, p.sizeBytes(), 1e-6);
        assertTrue(p.effectiveBits() > 4 && p.effectiveBits() < 32);
    }

    @Test
    void globsMatchWholeNamesOrDottedSuffixes() {
        LayerPattern layer = LayerPattern.glob("layer*");
        assertTrue(layer.matches("encoder.layer.3.output.dense"));
        assertFalse(layer.matches("embeddings.word_embeddings"));
        LayerPattern query = LayerPattern.glob("query");
        assertTrue(query.matches("encoder.layer.0.attention.self.query"));
        assertFalse(query.matches("encoder.layer.0.attention.self.query_proj"));
        assertTrue(query.namesExactly("encoder.layer.0.attention.self.query"));
        assertFalse(LayerPattern.glob("quer?").namesExactly("a.query"));
        assertTrue(LayerPattern.glob("layer.[0-1].*").matches("encoder.layer.1.output.dense"));
        assertFalse(LayerPattern.glob("layer.[!0-1].*").matches("encoder.layer.1.output.dense"));
        assertTrue(LayerPattern.glob("encoder.*.query").matches("encoder.layer.11.attention.self.query"));
        assertFalse(LayerPattern.glob("encoder.*.query").matches("encoder.layer.11.attention.self.query.bias"));
        assertTrue(LayerPattern.glob("*dense*").matches("x.output.dense_1"));
        assertTrue(LayerPattern.glob("layer.?.output.dense").matches("encoder.layer.1.output.dense"));
        assertFalse(LayerPattern.glob("layer.?.output.dense").matches("encoder.layer.1.attention.output.dense"));
        assertFalse(LayerPattern.glob("a*b*c").matches("axxbyyd"));
        assertTrue(LayerPattern.glob("a*b*c").matches("prefix.axxbyybzzc"));
        assertTrue(LayerPattern.regex("encoder\\.layer\\.\\d+\\.output\\.dense").matches("encoder.layer.12.output.dense"));
        assertFalse(LayerPattern.regex("output\\.dense").matches("encoder.layer.12.output.dense"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerPattern.glob("layer[0")).getMessage().contains("unclosed ["));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerPattern.regex("(")).getMessage().contains("re\"(\""));
    }
}
