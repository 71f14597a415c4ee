package io.precis.dsl;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Name;
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
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/**
 * Writes a tree back as canonical source: one statement per line, keywords in lower case, clauses in a
 * fixed order, the fewest parentheses. Parsing what it prints gives the same tree (spans aside), which
 * the tests check on every corpus program. Plans shown to users quote their rules with this. A statement prints
 * from its record's components (see {@link Statement.Keyword}), so a new statement needs nothing here.
 */
public final class AstPrinter {

    private AstPrinter() {
    }

    public static String print(Program program) {
        return program.statements().stream().map(AstPrinter::print).collect(Collectors.joining("\n"));
    }

    public static String print(Statement statement) {
        StringBuilder out = new StringBuilder();
        Shape shape = SHAPES.get(statement.getClass());
        out.append(shape.head());
        LayerSelection pending = null;
        for (Shape.Component c : shape.components()) {
            pending = component(out, c.keyword(), c.value(statement), pending);
        }
        if (pending != null) {
            clauses(out, pending);
        }
        statement.binding().ifPresent(b -> out.append(" as ").append(b.text()));
        return out.toString();
    }

    /**
     * How a kind of statement prints: its leading keywords (the words its {@link Statement.Help} names share), then
     * each record component but the binding and span, in declaration order, after its {@link Statement.Keyword}.
     * Found once per record class.
     */
    private record Shape(String head, List<Component> components) {

        record Component(String keyword, Method accessor) {
            Object value(Statement s) {
                try {
                    return accessor.invoke(s);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + accessor, e);
                }
            }
        }

        static Shape of(Class<?> kind) {
            Statement.Help[] help = kind.getAnnotationsByType(Statement.Help.class);
            if (help.length == 0) {
                throw new IllegalStateException(kind.getSimpleName() + " has no @Statement.Help");
            }
            List<String> head = List.of(help[0].name().split(" "));
            for (Statement.Help h : help) {
                List<String> words = List.of(h.name().split(" "));
                int same = 0;
                while (same < head.size() && same < words.size() && head.get(same).equals(words.get(same))) {
                    same++;
                }
                head = head.subList(0, same);
            }
            List<Component> components = new ArrayList<>();
            for (RecordComponent rc : kind.getRecordComponents()) {
                if (rc.getName().equals("binding") || rc.getName().equals("span")) {
                    continue;
                }
                Statement.Keyword k = rc.getAnnotation(Statement.Keyword.class);
                components.add(new Component(k == null ? "" : k.value(), rc.getAccessor()));
            }
            return new Shape(String.join(" ", head), List.copyOf(components));
        }
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> kind) {
            return Shape.of(kind);
        }
    };

    /**
     * Writes one component (nothing for an empty optional or list). A layer selection writes its patterns here and
     * returns itself: its {@code where}/{@code except} come after the statement's other clauses, before an
     * {@code over} list, as the grammar places them.
     */
    private static LayerSelection component(StringBuilder out, String keyword, Object value, LayerSelection pending) {
        switch (value) {
            case Optional<?> o -> {
                return o.isPresent() ? component(out, keyword, o.get(), pending) : pending;
            }
            case Statement.Trailing t -> {
                if (pending != null) {
                    clauses(out, pending);
                }
                out.append(' ').append(keyword.isEmpty() ? "" : keyword + " ").append(text(t));
                return null;
            }
            case LayerSelection l -> {
                if (!l.patterns().isEmpty()) {
                    out.append(' ').append(keyword.isEmpty() ? "" : keyword + " ").append(patterns(l.patterns()));
                }
                return l;
            }
            case List<?> list when list.isEmpty() -> {
                return pending;
            }
            case List<?> list when list.get(0) instanceof FormatName -> {
                if (pending != null) {
                    clauses(out, pending);
                }
                out.append(" over ").append(list.stream().map(f -> ((FormatName) f).name()).collect(Collectors.joining(", ")));
                return null;
            }
            case List<?> list when list.get(0) instanceof Option -> {
                out.append(" options (").append(list.stream().map(o -> (Option) o)
                        .map(o -> o.key().text() + " = " + value(o.value()))
                        .collect(Collectors.joining(", "))).append(')');
                return pending;
            }
            case List<?> list -> {
                for (Object item : list) {
                    component(out, keyword, item, pending);
                }
                return pending;
            }
            default -> {
                out.append(' ').append(keyword.isEmpty() ? "" : keyword + " ").append(text(value));
                return pending;
            }
        }
    }

    /** One node as source. */
    private static String text(Object node) {
        return switch (node) {
            case Source s -> source(s);
            case Name n -> n.text();
            case FormatName f -> f.name();
            case Value v -> value(v);
            case Subject s -> subject(s);
            case QuantizeOption o -> option(o);
            case SearchGoal.BitBudget b -> "budget " + b.bitsPerWeight().text() + " bits";
            case SearchGoal.Tolerance t -> "tolerance " + t.maxChange().text();
            case Statement.Part p -> p.source();
            default -> throw new IllegalStateException("no printed form for " + node.getClass().getSimpleName()
                    + ": give it one in AstPrinter.text, or make it a Statement.Part");
        };
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
            case QuantizeOption.Grid g -> g.compressedTensors() ? "grid compressed-tensors" : "grid precis";
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
