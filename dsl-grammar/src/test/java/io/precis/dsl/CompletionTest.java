package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What completion offers at the cursor, marked | in each case. */
class CompletionTest {

    private static CompletionContext at(String marked) {
        int cursor = marked.indexOf('|');
        return Completion.at(marked.substring(0, cursor) + marked.substring(cursor + 1), cursor);
    }

    @Test
    void anEmptyCellOffersTheStatements() {
        CompletionContext c = at("|");
        assertEquals(Set.of(Expect.KEYWORD), c.expected());
        assertEquals(Language.statementKeywords(), c.keywords());
        assertEquals(List.of("load", "use", "set", "calibrate", "quantize", "keep", "prune", "show", "evaluate", "sensitivity", "sweep",
                "search", "plot", "export", "fit", "predict"), c.keywords());
    }

    @Test
    void aPartialKeywordIsReplaced() {
        CompletionContext c = at("keep pooler*\nqua|");
        assertEquals(List.of("quantize"), c.keywords());
        assertEquals("qua", c.prefix());
        assertEquals(13, c.replaceStart());
        assertEquals(16, c.replaceEnd());

        CompletionContext s = at("se|");
        assertEquals(List.of("set", "sensitivity", "search"), s.keywords());
    }

    @Test
    void formatsPatternsModelsDatasetsAndVariables() {
        assertEquals(Set.of(Expect.KEYWORD, Expect.PATTERN), at("quantize |").expected());   // or 'activations'
        assertEquals(Set.of(Expect.PATTERN), at("quantize activations of |").expected());
        assertEquals(Set.of(Expect.PATTERN), at("quantize *.att|").expected());
        assertEquals("*.att", at("quantize *.att|").prefix());
        assertEquals(Set.of(Expect.FORMAT), at("quantize * to |").expected());
        CompletionContext format = at("quantize * to in| where params > 1");
        assertEquals(Set.of(Expect.FORMAT), format.expected());
        assertEquals("in", format.prefix());
        assertEquals(Set.of(Expect.FORMAT), at("sweep * over int8, |").expected());
        assertEquals(Set.of(Expect.MODEL), at("use |").expected());
        assertEquals(Set.of(Expect.DATASET), at("use minilm on |").expected());
        assertEquals(Set.of(Expect.SETTING), at("set |").expected());
        assertTrue(at("set metric |").expects(Expect.VALUE));
        assertEquals(Set.of(Expect.NEW_NAME), at("search budget 4 bits as |").expected());
        assertTrue(at("evaluate |").expects(Expect.VARIABLE));
        assertTrue(at("evaluate |").keywords().contains("plan"));
    }

    @Test
    void insideConditionsFieldsAreKeywordsAndNamesAreJavaVariables() {
        CompletionContext c = at("quantize * to int4 where |");
        assertEquals(List.of("not", "sensitivity", "params", "kind", "name", "index"), sorted(c.keywords()));
        assertTrue(c.expects(Expect.VARIABLE));
        assertTrue(c.expects(Expect.NUMBER));
        CompletionContext value = at("quantize * to int4 where sensitivity < |");
        assertTrue(value.expects(Expect.VARIABLE));
        assertFalse(value.keywords().contains("not"));
        assertTrue(at("quantize * to int4 where sensitivity |").expected().isEmpty(), "a comparison: nothing to complete");
    }

    private static List<String> sorted(List<String> keywords) {
        List<String> order = List.of("not", "sensitivity", "params", "kind", "name", "index");
        return keywords.stream().sorted(java.util.Comparator.comparingInt(order::indexOf)).toList();
    }

    @Test
    void afterACompleteStatementBothClausesAndNewStatementsFit() {
        CompletionContext c = at("quantize * to int4 |");
        for (String k : List.of("per", "group", "symmetric", "grid", "stochastic", "mse", "gptq", "where", "except", "as",
                "keep", "show")) {
            assertTrue(c.keywords().contains(k), k);
        }
        assertFalse(c.keywords().contains("to"));
        assertFalse(c.keywords().contains("model"), "non-reserved words are not offered as keywords here");
        CompletionContext sens = at("sensitivity |");
        assertTrue(sens.expects(Expect.PATTERN));
        assertTrue(sens.keywords().containsAll(List.of("over", "where", "except", "by")));
        assertTrue(at("sensitivity * over int4 |").keywords().contains("by"), "an estimate after the formats");
    }

    @Test
    void stringsAskForFilesOrMavenCoordinates() {
        CompletionContext file = at("load model \"mod|");
        assertTrue(file.inString());
        assertEquals(Set.of(Expect.FILE), file.expected());
        assertEquals(11, file.replaceStart());
        assertEquals(Set.of(Expect.MAVEN_ARTIFACT), at("load model maven \"dev.lang|").expected());
        assertEquals(Set.of(Expect.FILE), at("export best to \"|").expected());
    }

    @Test
    void anEarlierMistakeDoesNotStopCompletion() {
        assertEquals(Set.of(Expect.FORMAT), at("quantise * to int4\nkeep x y\nquantize * to |").expected());
        assertEquals(Set.of(Expect.FORMAT), at("quantize * to int4\nsweep * over |\nkeep").expected());
    }

    @Test
    void theCursorIsClampedAndAnyInputIsSafe() {
        assertEquals(0, Completion.at("keep", -5).replaceEnd());
        assertEquals(4, Completion.at("keep", 99).replaceEnd());
        Completion.at("quantize \"\\", 11);
        Completion.at("@@@ ### ((( ", 12);
    }
}
