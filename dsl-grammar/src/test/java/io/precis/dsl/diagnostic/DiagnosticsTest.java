package io.precis.dsl.diagnostic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.precis.dsl.ast.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caret format, used as is by later modules for semantic errors. */
class DiagnosticsTest {

    @Test
    void theExampleOfTheVision() {
        String source = "quantize layer* to in4 where sensitivity < x";
        Diagnostic d = Diagnostic.error(new Span(19, 22, 1, 20), "unknown format 'in4'")
                .withSuggestion("int4")
                .withHelp("Formats: int2..int8, fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, nf4, mxfp8, mxfp6,"
                        + " mxfp4, mxint8, nvfp4, bf16, fp16");
        assertEquals("""
                line 1:20: unknown format 'in4'. Did you mean int4? Formats: int2..int8, fp8_e4m3, fp8_e5m2, \
                fp6_e3m2, fp6_e2m3, fp4_e2m1, nf4, mxfp8, mxfp6, mxfp4, mxint8, nvfp4, bf16, fp16
                quantize layer* to in4 where sensitivity < x
                                   ^^^""", Diagnostics.format(source, d));
    }

    @Test
    void secondLineTabsWarningsAndHelpWithoutSuggestion() {
        String source = "keep a\n\tquantize *\tto x\nshow plan";
        Diagnostic d = Diagnostic.warning(new Span(19, 21, 2, 13), "rule decides nothing").withHelp("Check it.");
        assertEquals("line 2:13: warning: rule decides nothing. Check it.\n\tquantize *\tto x\n\t          \t^^",
                Diagnostics.format(source, d));
    }

    @Test
    void spansPastTheLineAreCutAndEmptySpansGetOneCaret() {
        String source = "quantize *\r\n  to int4\n";
        Diagnostic wide = Diagnostic.error(new Span(0, source.length(), 1, 1), "whole statement");
        assertEquals("line 1:1: whole statement\nquantize *\n^^^^^^^^^^", Diagnostics.format(source, wide));
        Diagnostic empty = Diagnostic.error(new Span(source.length(), source.length(), 3, 1), "end");
        assertEquals("line 3:1: end\n\n^", Diagnostics.format(source, empty));
    }

    @Test
    void spanlessDiagnosticsAndSeveral() {
        Diagnostic none = Diagnostic.error(Span.NONE, "no model loaded");
        Diagnostic first = Diagnostic.error(new Span(0, 1, 1, 1), "a");
        assertEquals("no model loaded\nline 1:1: a\nx\n^", Diagnostics.format("x", List.of(none, first)));
        assertEquals("", Diagnostics.format("x", List.of()));
    }
}
