package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.Name;
import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code sensitivity ... by fisher [, measured]}: its tree, its printed form, and its mistakes at line:col. */
class EstimateSyntaxTest {

    private static final Span N = Span.NONE;

    private static Statement.Sensitivity one(String source) {
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        return (Statement.Sensitivity) Nodes.withoutSpans(r.program()).statements().get(0);
    }

    @Test
    void anEstimateAndWhatItIsComparedWith() {
        assertEquals(Optional.of(new Statement.Sensitivity.Estimates(new Name("fisher", N), Optional.empty(), N)),
                one("sensitivity * over int4, int8 by fisher").by());
        Statement.Sensitivity s = one("SENSITIVITY blocks.* where params > 1000 BY Hessian, measured as cmp");
        assertEquals(new Statement.Sensitivity.Estimates(new Name("hessian", N), Optional.of(new Name("measured", N)), N), s.by().orElseThrow());
        assertTrue(s.formats().isEmpty());
        assertEquals("cmp", s.binding().orElseThrow().text());
        assertEquals("loss", one("sensitivity by fisher, loss").by().orElseThrow().second().orElseThrow().text());
        assertEquals(Optional.empty(), one("sensitivity over int4").by());
    }

    @Test
    void printsAfterTheSelectionAndReadsBack() {
        String source = "sensitivity  blocks.* where params > 1k  by fisher ,measured as c\nsensitivity over int4 by hessian\nsensitivity x except y";
        ParseResult r = DslParser.parse(source);
        String printed = AstPrinter.print(r.program());
        assertEquals("sensitivity blocks.* where params > 1k by fisher, measured as c\nsensitivity over int4 by hessian\nsensitivity x except y",
                printed);
        assertEquals(Nodes.withoutSpans(r.program()), Nodes.withoutSpans(DslParser.parse(printed).program()));
    }

    @Test
    void mistakesAreReportedWhereTheyAre() {
        assertEquals(List.of("1:16 'fishr' is not a way to find sensitivity; by loss | kl | cosine | sqnr | weight_sqnr | fisher | hessian"),
                errors("sensitivity by fishr"));
        assertEquals(List.of("2:16 'measured' compares with an estimate named first: by fisher, measured"), errors("keep a\nsensitivity by measured"));
        assertEquals(List.of("1:24 compare fisher with something else, e.g. measured"), errors("sensitivity by fisher, fisher"));
        assertTrue(DslParser.parse("sensitivity by").hasErrors());
        assertTrue(DslParser.parse("sensitivity by fisher, measured, loss").hasErrors());
    }

    private static List<String> errors(String source) {
        return DslParser.parse(source).diagnostics().stream()
                .map(d -> d.span().line() + ":" + d.span().column() + " " + d.message()).toList();
    }
}
