package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.Name;
import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.StringLiteral;
import io.precis.dsl.ast.Variable;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code fit precision law} and {@code predict}: their trees, printed forms, and mistakes at line:col. */
class LawSyntaxTest {

    private static final Span N = Span.NONE;

    private static Statement one(String source) {
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        assertEquals(1, r.program().statements().size());
        return Nodes.withoutSpans(r.program()).statements().get(0);
    }

    @Test
    void fitReadsAFileOrAVariableWithOptionalFilters() {
        assertEquals(new Statement.FitLaw(Optional.of(new StringLiteral("ptq.csv", N)), Optional.empty(),
                        Optional.of(new Name("qat-int4", N)), Optional.of(new Name("int-channel", N)), Optional.empty(), Optional.empty(),
                        Optional.of(new Name("law", N)), N),
                one("fit precision law on \"ptq.csv\" trained qat-int4 quantized int-channel as law"));
        Statement.FitLaw f = (Statement.FitLaw) one("FIT Precision LAW on rows");
        assertEquals(Optional.of(new Variable("rows", N)), f.rows());
        assertTrue(f.file().isEmpty() && f.trained().isEmpty() && f.quantized().isEmpty() && f.algorithm().isEmpty() && f.across().isEmpty());
        Statement.FitLaw g = (Statement.FitLaw) one("fit precision law on rows using gptq quantized int-g16");
        assertEquals(Optional.of(new QuantizeOption.Algorithm(QuantizeOption.Algorithm.Kind.GPTQ, N)), g.algorithm());
        assertEquals(QuantizeOption.Algorithm.Kind.RTN, ((Statement.FitLaw) one("fit precision law on rows rtn")).algorithm().orElseThrow().kind());
    }

    @Test
    void fitAcrossTrainingPrecisionsAndPredictForOne() {
        Statement.FitLaw f = (Statement.FitLaw) one("fit precision law on \"ptq.csv\" across training precisions quantized int-channel as law2");
        assertEquals(Optional.of(new Statement.FitLaw.Across(N)), f.across());
        assertEquals(Optional.of(new Name("int-channel", N)), f.quantized());
        assertTrue(f.trained().isEmpty());
        Statement.Predict p = (Statement.Predict) one("predict law2 for N 135m, D 2000b trained qat-int4 at int3");
        assertEquals(Optional.of(new Name("qat-int4", N)), p.trained());
        assertTrue(((Statement.Predict) one("predict law for N 1m, D 1b at int4")).trained().isEmpty());
        String source = "fit precision law on t across TRAINING precisions as l\npredict l for D 1b, N 1m trained bf16 at 4 bits";
        String printed = AstPrinter.print(DslParser.parse(source).program());
        assertEquals("fit precision law on t across training precisions as l\npredict l for N 1m, D 1b trained bf16 at 4 bits", printed);
        assertEquals(Nodes.withoutSpans(DslParser.parse(source).program()), Nodes.withoutSpans(DslParser.parse(printed).program()));
        ParseResult training = DslParser.parse("load model \"m.onnx\" as training");
        assertFalse(training.hasErrors(), "the new keywords stay usable as names: " + training.formatDiagnostics());
    }

    @Test
    void predictTakesNAndDInEitherOrderAndAFormatOrBits() {
        Statement.Predict p = (Statement.Predict) one("predict law for D 2e8, N 500k at int4 as delta");
        assertEquals(new Variable("law", N), p.law());
        assertEquals(new Statement.Predict.Point(new NumberLiteral("500k", 500_000, N), new NumberLiteral("2e8", 2e8, N), N), p.point());
        assertEquals(new Statement.Predict.Precision(Optional.of(new FormatName("int4", N)), Optional.empty(), N), p.precision());
        Statement.Predict q = (Statement.Predict) one("predict law for N 1m, D 1b at 3.5 bits");
        assertEquals(Optional.of(new NumberLiteral("3.5", 3.5, N)), q.precision().bits());
    }

    @Test
    void printsCanonicallyAndReadsBack() {
        String source = "fit  precision law on \"t.csv\"  quantized fp trained bf16 as l;predict l for D 2e8 , N 500k at 4 bits;"
                + "fit precision law on t USING GPTQ across training precisions";
        ParseResult r = DslParser.parse(source);
        String printed = AstPrinter.print(r.program());
        assertEquals("fit precision law on \"t.csv\" trained bf16 quantized fp as l\npredict l for N 500k, D 2e8 at 4 bits\n"
                + "fit precision law on t using gptq across training precisions", printed);
        assertEquals(Nodes.withoutSpans(r.program()), Nodes.withoutSpans(DslParser.parse(printed).program()));
    }

    @Test
    void mistakesAreReportedWhereTheyAre() {
        assertEquals(List.of("1:23 expected N (parameters) or D (training tokens), not 'X'"), errors("predict law for N 1m, X 2 at int4"));
        assertEquals(List.of("1:17 a prediction needs both N (non-embedding parameters) and D (training tokens)"),
                errors("predict law for N 1m at int4"));
        assertEquals(List.of("1:19 N is a positive count, not -5"), errors("predict law for N -5, D 1b at int4"));
        assertEquals(List.of("1:31 bits per weight are more than 0 and at most 64, not 0"), errors("predict law for N 1m, D 1b at 0 bits"));
        assertEquals(List.of("1:43 'trained' is given twice"), errors("fit precision law on \"t.csv\" trained fp32 trained bf16"));
        assertEquals(List.of("1:38 'trained fp32' fits one training precision and 'across training precisions' fits them all: say one of them"),
                errors("fit precision law on \"t.csv\" trained fp32 across training precisions"));
        assertEquals(List.of("1:51 'across training precisions' is given twice"),
                errors("fit precision law on t across training precisions across training precisions"));
        assertEquals(List.of("1:34 the algorithm is given twice (first as 'using rtn')"), errors("fit precision law on t using rtn using gptq"));
        assertEquals(List.of("1:24 the scaling-law lab measures rtn and gptq, not awq"), errors("fit precision law on t using awq"));
        assertTrue(DslParser.parse("fit law on \"t.csv\"").hasErrors());
        assertFalse(DslParser.parse("load model \"m.onnx\" as law").hasErrors(), "law stays usable as a name");
    }

    private static List<String> errors(String source) {
        return DslParser.parse(source).diagnostics().stream()
                .map(d -> d.span().line() + ":" + d.span().column() + " " + d.message()).toList();
    }
}
