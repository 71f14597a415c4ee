package io.precis.language;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Node;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.StringLiteral;
import io.precis.dsl.ast.Variable;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.diagnostic.Diagnostics;
import io.precis.dsl.diagnostic.Suggest;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerKind;
import io.precis.engine.plan.Candidate;
import io.precis.engine.plan.LayerPattern;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the language's tree into the engine's objects: formats with their options, layer patterns, and
 * {@code where} conditions. Every mistake becomes a {@link PrecisError} at the exact span, with a suggestion.
 */
final class Compiler {

    private final String source;
    private final Map<String, Object> variables;

    /** {@code variables}: the Java values of the names the statement uses (read when it runs). */
    Compiler(String source, Map<String, Object> variables) {
        this.source = source;
        this.variables = variables;
    }

    PrecisError error(Node at, String message) {
        return error(at.span(), message, Optional.empty());
    }

    PrecisError error(Span span, String message, Optional<String> suggestion) {
        return new PrecisError(Diagnostics.format(source, Diagnostic.error(span, message).withSuggestion(suggestion)));
    }

    PrecisError error(Span span, String message, Optional<String> suggestion, String help) {
        return new PrecisError(Diagnostics.format(source, Diagnostic.error(span, message).withSuggestion(suggestion).withHelp(help)));
    }

    // ---- formats ----

    Format format(FormatName name) {
        try {
            return Formats.parse(name.name());
        } catch (IllegalArgumentException e) {
            throw error(name.span(), "unknown format '" + name.name() + "'", Formats.suggest(name.name()), "Formats: " + Formats.summary());
        }
    }

    /** The statement's format with its granularity, symmetry, rounding and clipping applied in that order. */
    Format format(Statement.Quantize q, long defaultSeed) {
        return format(q.format(), q.options(), defaultSeed);
    }

    /** A format with options applied in their written order (a rule's, or those of sensitivity, sweep and search). */
    Format format(FormatName name, List<QuantizeOption> options, long defaultSeed) {
        Format f = format(name);
        for (QuantizeOption o : options) {
            try {
                f = switch (o) {
                    case QuantizeOption.Granularity g -> switch (g.kind()) {
                        case PER_TENSOR -> f.perTensor();
                        case PER_CHANNEL -> f.perChannel();
                        case GROUP -> {
                            NumberLiteral n = g.groupSize().orElseThrow();
                            if (!n.isWhole() || n.value() < 1 || n.value() > Integer.MAX_VALUE) {
                                throw error(n, "a group size is a whole number of weights, e.g. group 128, not " + n.text());
                            }
                            yield f.groups((int) n.value());
                        }
                    };
                    case QuantizeOption.Symmetry s -> s.symmetric() ? f.symmetric() : f.asymmetric();
                    case QuantizeOption.Grid g -> f.fullRange(g.compressedTensors());
                    case QuantizeOption.StochasticRounding r -> f.stochastic(r.seed().map(n -> (long) n.value()).orElse(defaultSeed));
                    case QuantizeOption.Clipping c -> switch (c.method()) {
                        case ABSMAX -> f.absmax();
                        case MSE -> f.mse();
                        case PERCENTILE -> {
                            NumberLiteral p = c.percentile().orElseThrow();
                            double pct = p.isPercent() ? p.value() * 100 : p.value();
                            yield f.percentile(pct);
                        }
                    };
                    case QuantizeOption.Algorithm a -> f;   // the rule carries it: see algorithm()
                };
            } catch (IllegalArgumentException e) {
                throw error(o.span(), e.getMessage(), Optional.empty());
            }
        }
        return f;
    }

    /**
     * The statement's algorithm ({@code using gptq | awq}; round to nearest without one), checked against its
     * format: GPTQ and AWQ work on integer grids (int2..int8, per tensor, per channel or groups), rounding to nearest.
     */
    io.precis.engine.algo.QuantAlgorithm algorithm(Statement.Quantize q, Format format) {
        return algorithm(q.algorithm(), format);
    }

    /** As {@link #algorithm(Statement.Quantize, Format)}, for an algorithm clause of its own (sweep, sensitivity, search). */
    io.precis.engine.algo.QuantAlgorithm algorithm(Optional<QuantizeOption.Algorithm> a, Format format) {
        if (a.isEmpty() || a.get().kind() == QuantizeOption.Algorithm.Kind.RTN) {
            return io.precis.engine.algo.QuantAlgorithm.RTN;
        }
        String name = a.get().kind().name().toLowerCase(Locale.ROOT);
        boolean integer = format.element() instanceof io.precis.engine.format.Element.Int && !format.isBlockFormat();
        if (!integer) {
            throw error(a.get().span(), name + " needs an integer format (int2..int8, per tensor, per channel or group N), not " + format,
                    Optional.empty(), "e.g. quantize " + "* to int4 group 128 using " + name);
        }
        if (!(format.rounding() instanceof io.precis.engine.format.Rounding.NearestEven)) {
            throw error(a.get().span(), name + " rounds to nearest; drop '" + format.rounding() + "' from this rule", Optional.empty());
        }
        return io.precis.engine.algo.QuantAlgorithm.of(name);
    }

    // ---- patterns ----

    List<LayerPattern> patterns(List<Pattern> patterns) {
        List<LayerPattern> out = new ArrayList<>();
        for (Pattern p : patterns) {
            try {
                out.add(p instanceof Pattern.Regex ? LayerPattern.regex(p.text()) : LayerPattern.glob(p.text()));
            } catch (IllegalArgumentException e) {
                throw error(p.span(), e.getMessage(), Optional.empty());
            }
        }
        return out;
    }

    /** All layers when the selection names none ({@code show layers}, {@code sensitivity}). */
    List<LayerPattern> patternsOrAll(LayerSelection sel) {
        return sel.allLayers() ? List.of(LayerPattern.glob("*")) : patterns(sel.patterns());
    }

    // ---- conditions ----

    /** A where condition as a test on candidates, and the layer kinds it names ({@code kind = embedding}). */
    record Condition(java.util.function.Predicate<Candidate> test, Set<LayerKind> namedKinds) {}

    Condition condition(Predicate p) {
        Set<LayerKind> kinds = EnumSet.noneOf(LayerKind.class);
        java.util.function.Predicate<Candidate> test = compile(p, kinds, false);
        return new Condition(test, kinds);
    }

    private java.util.function.Predicate<Candidate> compile(Predicate p, Set<LayerKind> kinds, boolean negated) {
        return switch (p) {
            case Predicate.Or o -> compile(o.left(), kinds, negated).or(compile(o.right(), kinds, negated));
            case Predicate.And a -> compile(a.left(), kinds, negated).and(compile(a.right(), kinds, negated));
            case Predicate.Not n -> compile(n.operand(), kinds, !negated).negate();
            case Predicate.Comparison c -> comparison(c, kinds, negated);
        };
    }

    private enum Kind { NUMBER, TEXT }

    private java.util.function.Predicate<Candidate> comparison(Predicate.Comparison c, Set<LayerKind> kinds, boolean negated) {
        Operand l = c.left();
        Operand r = c.right();
        Predicate.Comparator op = c.comparator();
        // field on the left is the usual shape; flip "0.01 > sensitivity" into "sensitivity < 0.01"
        if (!(l instanceof Operand.FieldRef) && r instanceof Operand.FieldRef) {
            Operand t = l;
            l = r;
            r = t;
            op = flip(op);
        }
        if (!(l instanceof Operand.FieldRef field)) {
            throw error(c, "a condition compares a layer's sensitivity, params, kind, name or index with a value");
        }
        if (r instanceof Operand.FieldRef) {
            throw error(r, "compare " + field.field().keyword() + " with a value, not with another field");
        }
        Operand.Field f = field.field();
        Kind want = f == Operand.Field.KIND || f == Operand.Field.NAME ? Kind.TEXT : Kind.NUMBER;
        Object value = value(r, want, f);
        Predicate.Comparator cmp = op;
        return switch (f) {
            case SENSITIVITY -> cand -> compare(cand.sensitivity(), cmp, (Double) value);
            case PARAMS -> cand -> compare(cand.params(), cmp, (Double) value);
            case INDEX -> cand -> compare(cand.index(), cmp, (Double) value);
            case KIND -> {
                LayerKind kind = kind((String) value, r);
                requireEquality(cmp, c, "kind");
                if (cmp == Predicate.Comparator.EQUAL && !negated) {
                    kinds.add(kind);
                }
                yield cmp == Predicate.Comparator.EQUAL ? cand -> cand.layer().kind() == kind : cand -> cand.layer().kind() != kind;
            }
            case NAME -> {
                requireEquality(cmp, c, "name");
                LayerPattern pattern = LayerPattern.glob((String) value);
                yield cmp == Predicate.Comparator.EQUAL ? cand -> pattern.matches(cand.name()) : cand -> !pattern.matches(cand.name());
            }
        };
    }

    private void requireEquality(Predicate.Comparator cmp, Predicate.Comparison c, String field) {
        if (cmp != Predicate.Comparator.EQUAL && cmp != Predicate.Comparator.NOT_EQUAL) {
            throw error(c, field + " is compared with = or !=, not " + cmp.symbol());
        }
    }

    private LayerKind kind(String text, Operand at) {
        for (LayerKind k : LayerKind.values()) {
            if (k.label().equals(text.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        List<String> labels = Arrays.stream(LayerKind.values()).map(LayerKind::label).toList();
        throw error(at.span(), "unknown layer kind '" + text + "'", Suggest.closest(text, labels), "Kinds: " + String.join(", ", labels));
    }

    private Object value(Operand r, Kind want, Operand.Field field) {
        Object v = switch (r) {
            case NumberLiteral n -> n.value();
            case StringLiteral s -> s.value();
            case Variable var -> {
                if (variables.get(var.name()) == null && want == Kind.TEXT) {
                    yield var.name(); // kind = embedding: a bare word, when no Java variable has that name
                }
                if (variables.get(var.name()) == null) {
                    throw error(var.span(), "unknown variable '" + var.name() + "'", Optional.empty());
                }
                Object o = variables.get(var.name());
                if (want == Kind.NUMBER && !(o instanceof Number)) {
                    throw error(var.span(), "variable " + var.name() + " is a " + o.getClass().getSimpleName() + "; "
                            + field.keyword() + " is compared with a number", Optional.empty());
                }
                if (o instanceof Number n) {
                    yield n.doubleValue();
                }
                if (o instanceof CharSequence cs) {
                    yield cs.toString();
                }
                if (o instanceof Enum<?> e) {
                    yield e.name().toLowerCase(Locale.ROOT);
                }
                throw error(var.span(), "variable " + var.name() + " is a " + o.getClass().getSimpleName() + "; "
                        + field.keyword() + " is compared with " + (want == Kind.NUMBER ? "a number" : "text"), Optional.empty());
            }
            default -> throw error(r, "a value is needed here");
        };
        if (want == Kind.NUMBER && !(v instanceof Double)) {
            throw error(r.span(), field.keyword() + " is a number; '" + v + "' is text", Optional.empty());
        }
        if (want == Kind.TEXT && v instanceof Double d && field == Operand.Field.KIND) {
            throw error(r.span(), "kind is one of " + Arrays.stream(LayerKind.values()).map(LayerKind::label).toList()
                    + ", not the number " + d, Optional.empty());
        }
        if (want == Kind.TEXT && v instanceof Double d) {
            return r instanceof NumberLiteral n ? n.text() : String.valueOf(d);
        }
        if (want == Kind.NUMBER && Double.isNaN((Double) v)) {
            throw error(r.span(), field.keyword() + " cannot be compared with NaN", Optional.empty());
        }
        return v;
    }

    private static boolean compare(double a, Predicate.Comparator op, double b) {
        return switch (op) {
            case LESS -> a < b;
            case LESS_OR_EQUAL -> a <= b;
            case GREATER -> a > b;
            case GREATER_OR_EQUAL -> a >= b;
            case EQUAL -> a == b;
            case NOT_EQUAL -> a != b;
        };
    }

    private static Predicate.Comparator flip(Predicate.Comparator op) {
        return switch (op) {
            case LESS -> Predicate.Comparator.GREATER;
            case LESS_OR_EQUAL -> Predicate.Comparator.GREATER_OR_EQUAL;
            case GREATER -> Predicate.Comparator.LESS;
            case GREATER_OR_EQUAL -> Predicate.Comparator.LESS_OR_EQUAL;
            default -> op;
        };
    }
}
