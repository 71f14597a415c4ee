package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Name;
import io.precis.dsl.ast.Nodes;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Operand.Field;
import io.precis.dsl.ast.Option;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.Predicate.Comparator;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.SearchGoal;
import io.precis.dsl.ast.Source;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.StringLiteral;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Value;
import io.precis.dsl.ast.Variable;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The tree says what the source says. Trees are compared without spans, except where spans are the point. */
class AstTest {

    private static final Span N = Span.NONE;

    private static List<Statement> parse(String source) {
        ParseResult result = DslParser.parse(source);
        assertEquals("", result.formatDiagnostics());
        return Nodes.withoutSpans(result.program()).statements();
    }

    private static Statement one(String source) {
        List<Statement> statements = parse(source);
        assertEquals(1, statements.size());
        return statements.get(0);
    }

    private static Operand.FieldRef field(Field f) {
        return new Operand.FieldRef(f, N);
    }

    private static NumberLiteral number(String text, double value) {
        return new NumberLiteral(text, value, N);
    }

    @Test
    void theCanonicalExample() {
        Statement expected = new Statement.Quantize(
                new LayerSelection(List.of(new Pattern.Glob("layer*", N)),
                        Optional.of(new Predicate.Comparison(field(Field.SENSITIVITY), Comparator.LESS,
                                new Variable("x", N), N)),
                        List.of(), N),
                new FormatName("int4", N), List.of(), Optional.empty(), N);
        assertEquals(expected, one("quantize layer* to int4 where sensitivity < x"));
    }

    @Test
    void quantizeOptionsKeepTheirOrderAndAreFoundByKind() {
        Statement.Quantize q = (Statement.Quantize) one(
                "quantize a.*, re\"b\\.c\" to int4 gptq group 128 asymmetric stochastic seed 7 percentile 99.9"
                        + " except *.x, y as rule1");
        assertEquals(List.of(new Pattern.Glob("a.*", N), new Pattern.Regex("b\\.c", N)), q.layers().patterns());
        assertEquals(List.of(new Pattern.Glob("*.x", N), new Pattern.Glob("y", N)), q.layers().except());
        assertEquals(List.of(
                new QuantizeOption.Algorithm(QuantizeOption.Algorithm.Kind.GPTQ, N),
                new QuantizeOption.Granularity(QuantizeOption.Granularity.Kind.GROUP,
                        Optional.of(number("128", 128)), N),
                new QuantizeOption.Symmetry(false, N),
                new QuantizeOption.StochasticRounding(Optional.of(number("7", 7)), N),
                new QuantizeOption.Clipping(QuantizeOption.Clipping.Method.PERCENTILE,
                        Optional.of(number("99.9", 99.9)), N)), q.options());
        assertEquals(128, q.granularity().orElseThrow().size());
        assertEquals(QuantizeOption.Algorithm.Kind.GPTQ, q.algorithm().orElseThrow().kind());
        assertTrue(q.clipping().isPresent() && q.symmetry().isPresent() && q.stochasticRounding().isPresent());
        assertEquals(Optional.of(new Name("rule1", N)), q.binding());
    }

    @Test
    void notBindsTighterThanAndWhichBindsTighterThanOr() {
        Statement.Keep k = (Statement.Keep) one("keep * where index = 1 or index = 2 and not index = 3");
        Predicate c1 = new Predicate.Comparison(field(Field.INDEX), Comparator.EQUAL, number("1", 1), N);
        Predicate c2 = new Predicate.Comparison(field(Field.INDEX), Comparator.EQUAL, number("2", 2), N);
        Predicate c3 = new Predicate.Comparison(field(Field.INDEX), Comparator.EQUAL, number("3", 3), N);
        assertEquals(new Predicate.Or(c1, new Predicate.And(c2, new Predicate.Not(c3, N), N), N),
                k.layers().where().orElseThrow());

        Statement.Keep p = (Statement.Keep) one("keep * where (index = 1 or index = 2) and index = 3");
        assertEquals(new Predicate.And(new Predicate.Or(c1, c2, N), c3, N), p.layers().where().orElseThrow());
        assertEquals("(index = 1 or index = 2) and index = 3", AstPrinter.print(p.layers().where().orElseThrow()));

        Statement.Keep r = (Statement.Keep) one("keep * where index = 1 or (index = 2 or index = 3)");
        assertEquals(new Predicate.Or(c1, new Predicate.Or(c2, c3, N), N), r.layers().where().orElseThrow());
        assertEquals("index = 1 or (index = 2 or index = 3)", AstPrinter.print(r.layers().where().orElseThrow()));
    }

    @Test
    void numbersCarryTheirSuffixes() {
        Statement.Keep k = (Statement.Keep) one(
                "keep * where params > 1M and params < 2k and sensitivity < 1e-3 and sensitivity < 5% and params < 3B"
                        + " and params < 7g and index > -2");
        StringBuilder values = new StringBuilder();
        collect(k.layers().where().orElseThrow(), values);
        assertEquals("1M=1000000.0 2k=2000.0 1e-3=0.001 5%=0.05 3B=3.0E9 7g=7.0E9 -2=-2.0 ", values.toString());
        NumberLiteral percent = NumberLiteral.parse("5%", N);
        assertTrue(percent.isPercent() && !percent.isWhole());
    }

    private static void collect(Predicate p, StringBuilder out) {
        switch (p) {
            case Predicate.And a -> {
                collect(a.left(), out);
                collect(a.right(), out);
            }
            case Predicate.Or o -> {
                collect(o.left(), out);
                collect(o.right(), out);
            }
            case Predicate.Not n -> collect(n.operand(), out);
            case Predicate.Comparison c -> {
                if (c.right() instanceof NumberLiteral n) {
                    out.append(n.text()).append('=').append(n.value()).append(' ');
                }
            }
        }
    }

    @Test
    void stringsAndRegexesUnescape() {
        Statement.Keep k = (Statement.Keep) one("keep \"a\\\"b\\\\c\\d\", re\"x\\.y\\\"z\"");
        assertEquals(List.of(new Pattern.Glob("a\"b\\c\\d", N), new Pattern.Regex("x\\.y\"z", N)), k.layers().patterns());
        assertEquals("keep \"a\\\"b\\\\c\\\\d\", re\"x\\.y\\\"z\"", AstPrinter.print(k));
    }

    @Test
    void loadStatements() {
        assertEquals(new Statement.LoadModel(new Source.MavenArtifact("g:a:1.0", N), Optional.of(new Name("pytorch", N)),
                        List.of(new Option(new Name("trainParam", N), new Value.Word("true", N), N),
                                new Option(new Name("n", N), number("2", 2), N),
                                new Option(new Name("dir", N), new StringLiteral("C:\\models", N), N)),
                        Optional.of(new Name("m", N)), N),
                one("LOAD MODEL MAVEN \"g:a:1.0\" ENGINE pytorch OPTIONS (trainParam = true, n = 2, dir = \"C:\\models\") AS m"));
        assertEquals(new Statement.LoadDataset(new Source.FilePath("s.txt", N), List.of(), Optional.empty(), N),
                one("load dataset \"s.txt\""));
    }

    @Test
    void namesThatAreNotReservedAreVariables() {
        assertEquals(new Statement.Use(new Variable("model", N), Optional.of(new Variable("dataset", N)),
                Optional.empty(), N), one("use model on dataset"));
        assertEquals(new Statement.Setting(new Name("seed", N), number("7", 7), Optional.empty(), N),
                one("set seed 7"));
        assertEquals(new Statement.Setting(new Name("metric", N), new Value.Word("kl", N), Optional.empty(), N),
                one("set metric kl"));
    }

    @Test
    void subjectsSearchAndExport() {
        assertEquals(new Statement.Evaluate(Optional.empty(), Optional.empty(), N), one("evaluate"));
        assertEquals(new Statement.Evaluate(Optional.of(new Subject.CurrentPlan(N)), Optional.empty(), N),
                one("evaluate plan"));
        assertEquals(new Statement.Plot(new Subject.CurrentSensitivity(N), Optional.empty(), N), one("plot sensitivity"));
        assertEquals(new Statement.Search(new SearchGoal.BitBudget(number("4.5", 4.5), N), List.of(),
                Optional.of(new Name("best", N)), N), one("search budget 4.5 bits as best"));
        assertEquals(new Statement.Search(new SearchGoal.Tolerance(number("1%", 0.01), N),
                List.of(new FormatName("int8", N), new FormatName("int4", N)), Optional.empty(), N),
                one("search tolerance 1% over int8, int4"));
        assertEquals(new Statement.Export(new Variable("best", N), Optional.of(new Name("llm-compressor", N)),
                new StringLiteral("recipe.yaml", N), Optional.empty(), N),
                one("export best as llm-compressor to \"recipe.yaml\""));
    }

    @Test
    void optionalSelectionsAreAbsentWhenNothingIsWritten() {
        assertEquals(Optional.empty(), ((Statement.ShowLayers) one("show layers")).layers());
        Statement.Sensitivity s = (Statement.Sensitivity) one("sensitivity where params > 10 over int4");
        LayerSelection l = s.layers().orElseThrow();
        assertTrue(l.allLayers());
        assertTrue(l.where().isPresent());
        assertEquals(List.of(new FormatName("int4", N)), s.formats());
    }

    @Test
    void spansPointAtTheSource() {
        String source = "keep pooler*\n  quantize layer* to int4\n    where sensitivity < x";
        ParseResult r = DslParser.parse(source);
        Statement.Quantize q = (Statement.Quantize) r.program().statements().get(1);
        assertEquals(new Span(15, source.length(), 2, 3), q.span());
        Predicate.Comparison c = (Predicate.Comparison) q.layers().where().orElseThrow();
        Variable x = (Variable) c.right();
        assertEquals(new Span(source.length() - 1, source.length(), 3, 25), x.span());
        assertEquals(new Span(24, 30, 2, 12), q.layers().patterns().get(0).span());
        assertEquals("int4", source.substring(q.format().span().start(), q.format().span().end()));
    }

    @Test
    void spansCountCodePointsInColumnsAndCharsInOffsets() {
        String source = "keep \"\uD83D\uDE00\" // 😀\nquantize * to int4 where name = \"\uD83D\uDE00\" and x < y";
        ParseResult r = DslParser.parse(source);
        assertEquals("", r.formatDiagnostics());
        Statement.Quantize q = (Statement.Quantize) r.program().statements().get(1);
        Predicate.And and = (Predicate.And) q.layers().where().orElseThrow();
        Variable y = (Variable) ((Predicate.Comparison) and.right()).right();
        assertEquals("y", source.substring(y.span().start(), y.span().end()));
        assertEquals(45, y.span().column());
    }

    @Test
    void statementsWithErrorsAreLeftOutAndTheRestKept() {
        ParseResult r = DslParser.parse(Corpus.read(Corpus.dir("errors/several-errors.precis")));
        assertEquals(4, r.diagnostics().size());
        List<Statement> kept = r.program().statements();
        assertEquals(2, kept.size());
        assertInstanceOf(Statement.Keep.class, kept.get(0));
        assertInstanceOf(Statement.Evaluate.class, kept.get(1));
    }
}
