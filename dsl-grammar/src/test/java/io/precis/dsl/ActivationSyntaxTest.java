package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code quantize activations}: its tree, defaults, printed form, and mistakes at line:col. */
class ActivationSyntaxTest {

    private static final Span N = Span.NONE;

    private static Statement.QuantizeActivations one(String source) {
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        assertEquals(1, r.program().statements().size());
        return (Statement.QuantizeActivations) Nodes.withoutSpans(r.program()).statements().get(0);
    }

    @Test
    void treesAndDefaults() {
        assertEquals(new Statement.QuantizeActivations(new LayerSelection(List.of(new Pattern.Glob("encoder.*", N)), Optional.empty(), List.of(), N),
                new FormatName("int8", N), Optional.of(new Statement.QuantizeActivations.Granularity(true, N)),
                Optional.of(new Statement.QuantizeActivations.Scale(true, N)), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), N),
                one("quantize activations of encoder.* to int8 per token dynamic"));
        Statement.QuantizeActivations plain = one("QUANTIZE ACTIVATIONS OF a, b TO int8");
        assertTrue(plain.perToken() && plain.dynamic(), "per token dynamic by default");
        Statement.QuantizeActivations st = one("quantize activations of * to int8 static except *.key as r");
        assertFalse(st.perToken(), "static means per tensor");
        assertFalse(st.dynamic());
        assertEquals("r", st.binding().orElseThrow().text());
        Statement.QuantizeActivations pt = one("quantize activations of * to int8 per tensor where params > 1M");
        assertFalse(pt.perToken());
        assertTrue(pt.dynamic());
        Statement.QuantizeActivations sq = one("quantize activations of * to int8 using smoothquant 0.8");
        assertEquals(0.8, sq.smooth().orElseThrow().alpha().orElseThrow().value());
        assertTrue(one("quantize activations of * to int8 using smoothquant").smooth().orElseThrow().alpha().isEmpty());
        Statement.QuantizeActivations fp8 = one("quantize activations of * to fp8 per tensor");
        assertTrue(fp8.fp8() && !fp8.perToken() && fp8.dynamic());
        Statement.QuantizeActivations pc = one("quantize activations of * to int8 per tensor percentile 99.9");
        assertFalse(pc.dynamic(), "a calibration method means a static scale");
        assertFalse(pc.perToken());
        assertEquals(99.9, pc.range().orElseThrow().percent());
        assertEquals("mse", one("quantize activations of * to int8 static mse").range().orElseThrow().source());
        assertFalse(one("quantize activations of * to int8 asymmetric").codes().orElseThrow().symmetric());
        // the new words stay usable as layer patterns and names elsewhere
        assertFalse(DslParser.parse("quantize token, static, dynamic, of to int8").hasErrors());
    }

    @Test
    void printsCanonicallyAndReadsBack() {
        String source = "quantize  activations of  x, y to int8 using smoothquant 0.6 mse static per tensor where params > 1M except *.key as r";
        ParseResult r = DslParser.parse(source);
        String printed = AstPrinter.print(r.program());
        assertEquals("quantize activations of x, y to int8 per tensor static mse using smoothquant 0.6 where params > 1M except *.key as r", printed);
        assertEquals(Nodes.withoutSpans(r.program()), Nodes.withoutSpans(DslParser.parse(printed).program()));
    }

    @Test
    void mistakesAreReportedWhereTheyAre() {
        assertEquals(List.of("1:30 activations are quantized to int8 or fp8 (E4M3) here, not int4"), errors("quantize activations of * to int4"));
        assertEquals(List.of("1:43 mse calibrates a static scale once; dynamic scales take each call's absmax"),
                errors("quantize activations of * to int8 dynamic mse"));
        assertEquals(List.of("1:53 a percentile must be above 0 and at most 100, not 120"),
                errors("quantize activations of * to int8 static percentile 120"));
        assertEquals(List.of("1:34 asymmetric activations are int8 with dynamic scales (a zero point from each call's min and max)"),
                errors("quantize activations of * to fp8 asymmetric"));
        assertEquals(List.of("2:45 per-token scales are computed per call (dynamic), not static"),
                errors("keep a\nquantize activations of * to int8 per token static"));
        assertEquals(List.of("1:42 static or dynamic given twice in one rule (first as 'static')"),
                errors("quantize activations of * to int8 static dynamic"));
        assertEquals(List.of("1:46 granularity given twice in one rule (first as 'per tensor')"),
                errors("quantize activations of * to int8 per tensor per token"));
        assertEquals(List.of("1:53 smoothquant's alpha is a number from 0 to 1, not 1.5"),
                errors("quantize activations of * to int8 using smoothquant 1.5"));
        assertTrue(DslParser.parse("quantize activations of * to").hasErrors());
        assertTrue(DslParser.parse("quantize activations to int8").hasErrors());
    }

    private static List<String> errors(String source) {
        return DslParser.parse(source).diagnostics().stream()
                .map(d -> d.span().line() + ":" + d.span().column() + " " + d.message()).toList();
    }
}
