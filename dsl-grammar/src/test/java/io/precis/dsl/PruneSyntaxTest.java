package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code prune}: its tree, its printed form, and its mistakes at line:col. */
class PruneSyntaxTest {

    private static final Span N = Span.NONE;

    private static Statement one(String source) {
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        assertEquals(1, r.program().statements().size());
        return Nodes.withoutSpans(r.program()).statements().get(0);
    }

    @Test
    void percentAndNofMBuildTheirTrees() {
        Statement.Prune expected = new Statement.Prune(
                new LayerSelection(List.of(new Pattern.Glob("blk.*.ffn_*", N)), Optional.empty(), List.of(), N),
                new Statement.Prune.Target(new NumberLiteral("50%", 0.5, N), Optional.empty(), N), Optional.empty(), N);
        assertEquals(expected, one("prune blk.*.ffn_* to 50%"));

        Statement.Prune p = (Statement.Prune) one("PRUNE encoder.*, x to 2 : 4 where params > 1M except *.key as r");
        assertEquals(new Statement.Prune.Target(new NumberLiteral("2", 2, N), Optional.of(new NumberLiteral("4", 4, N)), N), p.target());
        assertEquals(List.of(new Pattern.Glob("*.key", N)), p.layers().except());
        assertTrue(p.layers().where().orElseThrow() instanceof Predicate.Comparison c
                && c.left() instanceof Operand.FieldRef f && f.field() == Operand.Field.PARAMS);
        assertEquals("r", p.binding().orElseThrow().text());
    }

    @Test
    void printsCanonicallyAndReadsBack() {
        String source = "prune  encoder.*, x to 2 : 4 where params > 1M except *.key as r ; prune y to 0.3";
        ParseResult r = DslParser.parse(source);
        String printed = AstPrinter.print(r.program());
        assertEquals("prune encoder.*, x to 2:4 where params > 1M except *.key as r\nprune y to 0.3", printed);
        assertEquals(Nodes.withoutSpans(r.program()), Nodes.withoutSpans(DslParser.parse(printed).program()));
    }

    @Test
    void mistakesAreReportedWhereTheyAre() {
        assertEquals(List.of("1:12 the pruned fraction is more than 0% and less than 100%, not 100%"), errors("prune * to 100%"));
        assertEquals(List.of("2:12 prune to a percentage (50%) or a fraction below 1 (0.5), not 50"), errors("keep a\nprune * to 50"));
        assertEquals(List.of("1:12 N:M pruning keeps N of every M weights, whole numbers with 0 < N < M <= 64, not 4:2"),
                errors("prune * to 4:2"));
        assertEquals(List.of("1:12 N:M pruning keeps N of every M weights, whole numbers with 0 < N < M <= 64, not 1.5:4"),
                errors("prune * to 1.5:4"));
        assertTrue(DslParser.parse("prune * to").hasErrors());
        assertTrue(DslParser.parse("prune to 50%").hasErrors());
    }

    private static List<String> errors(String source) {
        return DslParser.parse(source).diagnostics().stream()
                .map(d -> d.span().line() + ":" + d.span().column() + " " + d.message()).toList();
    }
}
