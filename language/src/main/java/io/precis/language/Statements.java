package io.precis.language;

import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Variable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a statement needs from the Java session and what it gives back: the Java names it reads (found once per
 * cell, in the kernel's JVM, and sent with the cell to the runtime) and the type {@code as name} binds.
 */
public final class Statements {

    /**
     * Where a name stands: a value in a condition; a word compared with {@code kind} or {@code name}
     * ({@code kind = embedding}), which is a Java variable only if one exists; or a model / dataset / result the
     * session may also know by name.
     */
    public enum Role { VALUE, WORD, MODEL, DATASET, SUBJECT }

    /** A name a statement uses, first occurrence. */
    public record Reference(Variable variable, Role role) {
        public String name() {
            return variable.name();
        }
    }

    private Statements() {}

    /** The names the statement uses, in order of first appearance. */
    public static List<Reference> references(Statement s) {
        Map<String, Reference> refs = new LinkedHashMap<>();
        switch (s) {
            case Statement.Use u -> {
                add(refs, u.model(), Role.MODEL);
                u.dataset().ifPresent(d -> add(refs, d, Role.DATASET));
            }
            case Statement.Quantize q -> selection(refs, q.layers());
            case Statement.Keep k -> selection(refs, k.layers());
            case Statement.ShowLayers sl -> sl.layers().ifPresent(l -> selection(refs, l));
            case Statement.Sensitivity se -> se.layers().ifPresent(l -> selection(refs, l));
            case Statement.Sweep sw -> selection(refs, sw.layers());
            case Statement.Evaluate e -> e.subject().ifPresent(sub -> subject(refs, sub));
            case Statement.Plot p -> subject(refs, p.subject());
            case Statement.Export e -> subject(refs, e.subject());
            default -> { }
        }
        return List.copyOf(refs.values());
    }

    private static void subject(Map<String, Reference> refs, Subject s) {
        if (s instanceof Variable v) {
            add(refs, v, Role.SUBJECT);
        }
    }

    private static void selection(Map<String, Reference> refs, LayerSelection sel) {
        sel.where().ifPresent(p -> predicate(refs, p));
    }

    private static void predicate(Map<String, Reference> refs, Predicate p) {
        switch (p) {
            case Predicate.Or o -> {
                predicate(refs, o.left());
                predicate(refs, o.right());
            }
            case Predicate.And a -> {
                predicate(refs, a.left());
                predicate(refs, a.right());
            }
            case Predicate.Not n -> predicate(refs, n.operand());
            case Predicate.Comparison c -> {
                boolean words = isWordField(c.left()) || isWordField(c.right());
                operand(refs, c.left(), words);
                operand(refs, c.right(), words);
            }
        }
    }

    private static boolean isWordField(Operand o) {
        return o instanceof Operand.FieldRef f && (f.field() == Operand.Field.KIND || f.field() == Operand.Field.NAME);
    }

    private static void operand(Map<String, Reference> refs, Operand o, boolean word) {
        if (o instanceof Variable v) {
            add(refs, v, word ? Role.WORD : Role.VALUE);
        }
    }

    private static void add(Map<String, Reference> refs, Variable v, Role role) {
        refs.putIfAbsent(v.name(), new Reference(v, role));
    }

    /** The Java type an {@code as name} binding of this statement has, when it has one. */
    public static Optional<Class<?>> resultType(Statement s) {
        Class<?> type = switch (s) {
            case Statement.LoadModel l -> io.precis.engine.model.Model.class;
            case Statement.LoadDataset l -> io.precis.engine.data.Dataset.class;
            case Statement.Use u -> null;
            case Statement.Setting st -> null;
            case Statement.Quantize q -> io.precis.engine.plan.Rule.class;
            case Statement.Keep k -> io.precis.engine.plan.Rule.class;
            case Statement.ShowLayers sl -> LayerTable.class;
            case Statement.ShowPlan sp -> io.precis.engine.plan.Plan.class;
            case Statement.Evaluate e -> io.precis.engine.analysis.PlanEvaluation.class;
            case Statement.Sensitivity se -> io.precis.engine.analysis.SensitivityTable.class;
            case Statement.Sweep sw -> io.precis.engine.analysis.Sweep.class;
            case Statement.Search se -> io.precis.engine.plan.Plan.class;
            case Statement.Plot p -> io.precis.engine.figure.Figure.class;
            case Statement.Export e -> java.nio.file.Path.class;
        };
        return Optional.ofNullable(type);
    }

    /** Whether a condition reads {@code sensitivity} (then it is measured for the rule's layers first). */
    public static boolean readsSensitivity(Predicate p) {
        return switch (p) {
            case Predicate.Or o -> readsSensitivity(o.left()) || readsSensitivity(o.right());
            case Predicate.And a -> readsSensitivity(a.left()) || readsSensitivity(a.right());
            case Predicate.Not n -> readsSensitivity(n.operand());
            case Predicate.Comparison c -> isSensitivity(c.left()) || isSensitivity(c.right());
        };
    }

    private static boolean isSensitivity(Operand o) {
        return o instanceof Operand.FieldRef f && f.field() == Operand.Field.SENSITIVITY;
    }

    /** Every statement's names, for a whole program. */
    public static List<List<Reference>> references(List<Statement> statements) {
        List<List<Reference>> out = new ArrayList<>();
        for (Statement s : statements) {
            out.add(references(s));
        }
        return out;
    }
}
