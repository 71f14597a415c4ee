package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code grid compressed-tensors | precis} on a quantize rule: its tree, printed form, and mistakes at line:col. */
class GridSyntaxTest {

    private static Statement.Quantize one(String source) {
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        return (Statement.Quantize) Nodes.withoutSpans(r.program()).statements().get(0);
    }

    @Test
    void treeAndPrintedForm() {
        Statement.Quantize q = one("quantize encoder.* to int4 group 128 grid compressed-tensors using gptq");
        assertTrue(q.options().contains(new QuantizeOption.Grid(true, Span.NONE)), q.options().toString());
        assertTrue(one("quantize x to int8 grid precis").options().contains(new QuantizeOption.Grid(false, Span.NONE)));
        ParseResult r = DslParser.parse("quantize  x  to int4 GRID compressed-tensors as r");
        assertEquals("quantize x to int4 grid compressed-tensors as r", AstPrinter.print(r.program().statements().get(0)));
        // 'grid' stays a name where no keyword could stand
        assertEquals("", DslParser.parse("show layers matching grid").formatDiagnostics());
    }

    @Test
    void mistakesAreReportedWhereTheyAre() {
        assertEquals(List.of("1:25 a grid is compressed-tensors (int4: -8..7, absmax/7.5) or precis (int4: -7..7, absmax/7), not vllm"),
                errors("quantize x to int4 grid vllm"));
        assertEquals(List.of("1:32 grid given twice in one rule (first as 'grid precis')"),
                errors("quantize x to int4 grid precis grid compressed-tensors"));
        assertTrue(DslParser.parse("quantize x to int4 grid").hasErrors());
    }

    private static List<String> errors(String source) {
        return DslParser.parse(source).diagnostics().stream()
                .map(d -> d.span().line() + ":" + d.span().column() + " " + d.message()).toList();
    }
}
