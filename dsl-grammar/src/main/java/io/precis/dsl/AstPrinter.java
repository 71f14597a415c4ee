package io.precis.dsl;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Option;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.Program;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.SearchGoal;
import io.precis.dsl.ast.Source;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.StringLiteral;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Value;
import io.precis.dsl.ast.Variable;
import io.precis.dsl.grammar.PrecisLexer;
import io.precis.dsl.grammar.PrecisParser;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/**
 * Writes a tree back as canonical source: one statement per line, keywords in lower case, clauses in a
 * fixed order, the fewest parentheses. Parsing what it prints gives the same tree (spans aside), which
 * the tests check on every corpus program. Plans shown to users quote their rules with this.
 */
public final class AstPrinter {

    private AstPrinter() {
    }

    public static String print(Program program) {
        return program.statements().stream().map(AstPrinter::print).collect(Collectors.joining("\n"));
    }

    public static String print(Statement statement) {
        StringBuilder out = new StringBuilder();
        switch (statement) {
            case Statement.LoadModel s -> {
                out.append("load model ").append(source(s.source()));
                s.engine().ifPresent(e -> out.append(" engine ").append(e.text()));
                options(out, s.options());
            }
            case Statement.LoadDataset s -> {
                out.append("load dataset ").append(source(s.source()));
                options(out, s.options());
            }
            case Statement.Use s -> {
                out.append("use ").append(s.model().name());
                s.dataset().ifPresent(d -> out.append(" on ").append(d.name()));
            }
            case Statement.Calibrate s -> out.append("calibrate on ").append(s.dataset().name());
            case Statement.Setting s -> out.append("set ").append(s.name().text()).append(' ').append(value(s.value()));
            case Statement.Quantize s -> {
                out.append("quantize ").append(patterns(s.layers().patterns())).append(" to ").append(s.format().name());
                for (QuantizeOption option : s.options()) {
                    out.append(' ').append(option(option));
                }
                clauses(out, s.layers());
            }
            case Statement.Keep s -> {
                out.append("keep ").append(patterns(s.layers().patterns()));
                clauses(out, s.layers());
            }
            case Statement.ShowLayers s -> {
                out.append("show layers");
                s.layers().ifPresent(l -> {
                    if (!l.patterns().isEmpty()) {
                        out.append(" matching ").append(patterns(l.patterns()));
                    }
                    clauses(out, l);
                });
            }
            case Statement.ShowPlan s -> out.append("show plan");
            case Statement.Evaluate s -> {
                out.append("evaluate");
                s.subject().ifPresent(x -> out.append(' ').append(subject(x)));
            }
            case Statement.Sensitivity s -> {
                out.append("sensitivity");
                s.layers().ifPresent(l -> {
                    if (!l.patterns().isEmpty()) {
                        out.append(' ').append(patterns(l.patterns()));
                    }
                    clauses(out, l);
                });
                formats(out, s.formats());
            }
            case Statement.Sweep s -> {
                out.append("sweep ").append(patterns(s.layers().patterns()));
                clauses(out, s.layers());
                formats(out, s.formats());
            }
            case Statement.Search s -> {
                switch (s.goal()) {
                    case SearchGoal.BitBudget b -> out.append("search budget ").append(b.bitsPerWeight().text())
                            .append(" bits");
                    case SearchGoal.Tolerance t -> out.append("search tolerance ").append(t.maxChange().text());
                }
                formats(out, s.formats());
            }
            case Statement.Plot s -> out.append("plot ").append(subject(s.subject()));
            case Statement.Export s -> {
                out.append("export ").append(subject(s.subject()));
                s.flavour().ifPresent(f -> out.append(" as ").append(f.text()));
                out.append(" to ").append(Strings.quote(s.file().value()));
            }
        }
        statement.binding().ifPresent(b -> out.append(" as ").append(b.text()));
        return out.toString();
    }

    public static String print(Predicate predicate) {
        return predicate(predicate, 0);
    }

    public static String print(Pattern pattern) {
        return switch (pattern) {
            case Pattern.Glob g -> isBareGlob(g.text()) ? g.text() : Strings.quote(g.text());
            case Pattern.Regex r -> Strings.quoteRegex(r.text());
        };
    }

    private static String source(Source source) {
        return switch (source) {
            case Source.FilePath f -> Strings.quote(f.path());
            case Source.MavenArtifact m -> "maven " + Strings.quote(m.coordinates());
        };
    }

    private static void options(StringBuilder out, List<Option> options) {
        if (!options.isEmpty()) {
            out.append(" options (").append(options.stream()
                    .map(o -> o.key().text() + " = " + value(o.value()))
                    .collect(Collectors.joining(", "))).append(')');
        }
    }

    private static String value(Value value) {
        return switch (value) {
            case NumberLiteral n -> n.text();
            case StringLiteral s -> Strings.quote(s.value());
            case Value.Word w -> w.text();
        };
    }

    private static String option(QuantizeOption option) {
        return switch (option) {
            case QuantizeOption.Granularity g -> switch (g.kind()) {
                case PER_TENSOR -> "per tensor";
                case PER_CHANNEL -> "per channel";
                case GROUP -> "group " + g.groupSize().map(NumberLiteral::text).orElse("");
            };
            case QuantizeOption.Symmetry s -> s.symmetric() ? "symmetric" : "asymmetric";
            case QuantizeOption.StochasticRounding r ->
                    "stochastic" + r.seed().map(n -> " seed " + n.text()).orElse("");
            case QuantizeOption.Clipping c -> switch (c.method()) {
                case ABSMAX -> "absmax";
                case MSE -> "mse";
                case PERCENTILE -> "percentile " + c.percentile().map(NumberLiteral::text).orElse("");
            };
            case QuantizeOption.Algorithm a -> "using " + a.kind().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static void clauses(StringBuilder out, LayerSelection layers) {
        layers.where().ifPresent(w -> out.append(" where ").append(print(w)));
        if (!layers.except().isEmpty()) {
            out.append(" except ").append(patterns(layers.except()));
        }
    }

    private static void formats(StringBuilder out, List<FormatName> formats) {
        if (!formats.isEmpty()) {
            out.append(" over ").append(formats.stream().map(FormatName::name).collect(Collectors.joining(", ")));
        }
    }

    private static String patterns(List<Pattern> patterns) {
        return patterns.stream().map(AstPrinter::print).collect(Collectors.joining(", "));
    }

    private static String subject(Subject subject) {
        return switch (subject) {
            case Subject.CurrentPlan p -> "plan";
            case Subject.CurrentSensitivity s -> "sensitivity";
            case Variable v -> v.name();
        };
    }

    /** Precedence: or 0, and 1, not 2; a child binding looser than its place needs parentheses. */
    private static String predicate(Predicate p, int context) {
        return switch (p) {
            case Predicate.Or o -> parenthesize(predicate(o.left(), 0) + " or " + predicate(o.right(), 1), 0, context);
            case Predicate.And a -> parenthesize(predicate(a.left(), 1) + " and " + predicate(a.right(), 2), 1, context);
            case Predicate.Not n -> "not " + predicate(n.operand(), 2);
            case Predicate.Comparison c -> operand(c.left()) + " " + c.comparator().symbol() + " " + operand(c.right());
        };
    }

    private static String parenthesize(String text, int precedence, int context) {
        return precedence < context ? "(" + text + ")" : text;
    }

    private static String operand(Operand operand) {
        return switch (operand) {
            case Operand.FieldRef f -> f.field().keyword();
            case NumberLiteral n -> n.text();
            case StringLiteral s -> Strings.quote(s.value());
            case Variable v -> v.name();
        };
    }

    /** True when the glob reads back as one pattern token without quotes. */
    private static boolean isBareGlob(String text) {
        if (text.isEmpty()) {
            return false;
        }
        PrecisLexer lexer = new PrecisLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        Token first = lexer.nextToken();
        if (lexer.nextToken().getType() != Token.EOF || first.getText().length() != text.length()) {
            return false;
        }
        int type = first.getType();
        if (type == PrecisLexer.GLOB || type == PrecisLexer.IDENT || type == PrecisLexer.HYPHENATED) {
            return true;
        }
        return NON_RESERVED.contains(type);
    }

    /** Keywords the grammar also reads as names (and so as patterns). */
    private static final Set<Integer> NON_RESERVED =
            Set.copyOf(NextTokens.atRuleStart(PrecisParser.RULE_nonReserved).expected().keySet());
}
