package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.Span;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.diagnostic.Diagnostics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any input gives a tree or structured diagnostics, never an exception; diagnostics point inside the
 * source; a cell without errors prints and parses back to the same tree. Checked here on every cell of
 * the test corpora and every prefix of them (what a user has typed so far), and by Jazzer in
 * {@link ParserFuzzTest} on generated input.
 */
class ParserRobustnessTest {

    static Stream<String> corpus() {
        List<String> all = new ArrayList<>();
        for (String dir : List.of("valid", "errors")) {
            for (Path p : Corpus.files(dir, ".precis")) {
                all.add(Corpus.read(p));
            }
        }
        all.addAll(Corpus.cells("classifier/java.txt"));
        all.addAll(Corpus.cells("classifier/dsl.txt"));
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everyCorpusCellAndItsPrefixes(String source) {
        // Every prefix of short cells; of long ones, every prefix ending at a space or line end, plus every 7th.
        for (int end = 0; end <= source.length(); end++) {
            boolean boundary = end == source.length() || Character.isWhitespace(source.charAt(end));
            if (source.length() <= 200 || boundary || end % 7 == 0) {
                holdsFor(source.substring(0, end), end * 31);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void deepNestingIsRefusedWithAMessageNotAStackOverflow() {
        String deep = "keep * where " + "(".repeat(100_000) + "index = 1" + ")".repeat(100_000);
        ParseResult r = DslParser.parse(deep);
        assertEquals("condition nested more than 100 levels deep", r.diagnostics().get(0).message());
        String nots = "keep * where " + "not ".repeat(100_000) + "index = 1";
        assertTrue(DslParser.parse(nots).hasErrors());
        String fine = "keep * where " + "not (".repeat(50) + "index = 1" + ")".repeat(50);
        assertFalse(DslParser.parse(fine).hasErrors(), DslParser.parse(fine).formatDiagnostics());
        holdsFor(fine, 7);
    }

    @org.junit.jupiter.api.Test
    void aLargeCellFullOfErrorsStaysLinear() {
        String line = "quantize * to int4 per chanel where params > 1M\n";
        ParseResult r = DslParser.parse(line.repeat(5_000));
        assertEquals(5_000, r.diagnostics().size());
        assertTrue(Completion.at(line.repeat(5_000), 10 * line.length()).expects(Expect.KEYWORD));
    }

    /** The properties: no exception anywhere, diagnostics inside the source, valid trees print and reparse. */
    static void holdsFor(String source, int seed) {
        ParseResult result = DslParser.parse(source);
        for (Diagnostic d : result.diagnostics()) {
            Span s = d.span();
            assertTrue(0 <= s.start() && s.start() <= s.end() && s.end() <= source.length(), d + " in " + source);
            assertTrue(s.line() >= 1 && s.column() >= 1, d.toString());
            assertFalse(d.message().isBlank());
        }
        String text = Diagnostics.format(source, result.diagnostics());
        assertEquals(result.diagnostics().size(), text.lines().filter(l -> l.startsWith("line ")).count()
                - countLinesStartingWithLineInSource(source, result));
        Completeness completeness = DslParser.isComplete(source);
        assertEquals(result.hasErrors(), completeness != Completeness.COMPLETE, source);
        CellClassifier.isDsl(source);
        int cursor = source.isEmpty() ? 0 : Math.floorMod(seed, source.length() + 1);
        CompletionContext c = Completion.at(source, cursor);
        assertTrue(c.replaceStart() <= c.replaceEnd() && c.replaceEnd() == cursor);
        if (!result.hasErrors()) {
            String printed = AstPrinter.print(result.program());
            ParseResult again = DslParser.parse(printed);
            assertFalse(again.hasErrors(), () -> "printed form of\n" + source + "\n-> " + printed + "\n"
                    + again.formatDiagnostics());
            assertEquals(Nodes.withoutSpans(result.program()).statements(),
                    Nodes.withoutSpans(again.program()).statements(), printed);
        }
    }

    /** Source lines quoted under a diagnostic may themselves start with "line ". */
    private static long countLinesStartingWithLineInSource(String source, ParseResult result) {
        long n = 0;
        for (Diagnostic d : result.diagnostics()) {
            String formatted = Diagnostics.format(source, d);
            n += formatted.lines().skip(1).filter(l -> l.startsWith("line ")).count();
        }
        return n;
    }
}
