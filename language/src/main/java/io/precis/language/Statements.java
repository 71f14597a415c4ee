package io.precis.language;

import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Variable;
import io.precis.engine.algo.Sparsity;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.data.Dataset;
import io.precis.engine.figure.Figure;
import io.precis.engine.format.Format;
import io.precis.engine.lab.PrecisionLaw;
import io.precis.engine.lab.TrainingPrecisionLaw;
import io.precis.engine.lab.PtqRow;
import io.precis.engine.lab.PtqTable;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Statement dispatch: for each statement, the Java names it reads (found once per cell, in the kernel's JVM,
 * and sent with the cell to the runtime), the type {@code as name} binds, and the method that runs it.
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
        return of(s).references();
    }

    /**
     * What a statement is to the runtime: the type {@code as name} binds (null: none), the Java names it reads,
     * and the method that runs it. <b>The one place a new statement is dispatched</b>: add a case here, and its
     * method beside it in this file (a rule or a setting: a few lines on the {@link CellRuntime.Run}'s compiler,
     * session and output), or in {@link Measurements} when it measures.
     */
    record Spec(Class<?> resultType, List<Reference> references, Function<CellRuntime.Run, Object> run) {}

    static Spec of(Statement s) {
        return switch (s) {
            case Statement.LoadModel l -> new Spec(Model.class, List.of(), r -> r.loadModel(l));
            case Statement.LoadDataset l -> new Spec(Dataset.class, List.of(), r -> r.loadDataset(l));
            case Statement.Use u -> new Spec(null, refs(m -> {
                add(m, u.model(), Role.MODEL);
                u.dataset().ifPresent(d -> add(m, d, Role.DATASET));
            }), r -> r.use(u));
            case Statement.Setting st -> new Spec(null, List.of(), r -> r.setting(st));
            case Statement.Calibrate c -> new Spec(null, refs(m -> add(m, c.dataset(), Role.DATASET)), r -> r.calibrate(c));
            case Statement.Quantize q -> new Spec(Rule.class, refs(m -> selection(m, q.layers())), r -> r.quantize(q));
            case Statement.Keep k -> new Spec(Rule.class, refs(m -> selection(m, k.layers())), r -> r.keep(k));
            case Statement.Prune p -> new Spec(Rule.class, refs(m -> selection(m, p.layers())), r -> prune(r, p));
            case Statement.QuantizeActivations qa -> new Spec(Rule.class, refs(m -> selection(m, qa.layers())), r -> activations(r, qa));
            case Statement.FitLaw f -> new Spec(f.across().isPresent() ? TrainingPrecisionLaw.class : PrecisionLaw.class, refs(m -> f.rows().ifPresent(v -> add(m, v, Role.SUBJECT))),
                    r -> fitLaw(r, f));
            case Statement.Predict p -> new Spec(Double.class, refs(m -> add(m, p.law(), Role.SUBJECT)), r -> predict(r, p));
            case Statement.ShowLayers sl -> new Spec(LayerTable.class, refs(m -> sl.layers().ifPresent(l -> selection(m, l))),
                    r -> r.showLayers(sl));
            case Statement.ShowPlan sp -> new Spec(Plan.class, List.of(), r -> r.showPlan(sp));
            case Statement.Evaluate e -> new Spec(PlanEvaluation.class, refs(m -> e.subject().ifPresent(sub -> subject(m, sub))),
                    r -> r.evaluate(e));
            case Statement.Sensitivity se -> new Spec(se.by().flatMap(b -> b.second()).isPresent()
                    ? io.precis.engine.analysis.SensitivityComparison.class : SensitivityTable.class, refs(m -> se.layers().ifPresent(l -> selection(m, l))),
                    r -> Measurements.sensitivity(r.context(), se));
            case Statement.Sweep sw -> new Spec(Sweep.class, refs(m -> selection(m, sw.layers())), r -> Measurements.sweep(r.context(), sw));
            case Statement.Search se -> new Spec(Plan.class, List.of(), r -> Measurements.search(r.context(), se));
            case Statement.Plot p -> new Spec(Figure.class, refs(m -> subject(m, p.subject())), r -> Measurements.plot(r.context(), p));
            case Statement.Export e -> new Spec(Path.class, refs(m -> subject(m, e.subject())), r -> Measurements.export(r.context(), e));
        };
    }

    /**
     * {@code prune}: a rule with a sparsity (the engine's {@code Planner} applies it under the layer's format). Checked
     * here against the model in use, at the target: N:M on a layer whose input width is not a multiple of M.
     */
    private static Rule prune(CellRuntime.Run r, Statement.Prune p) {
        Compiler compiler = r.compiler();
        io.precis.dsl.ast.LayerSelection sel = p.layers();
        if (sel.where().map(Statements::readsSensitivity).orElse(false)) {
            throw compiler.error(sel.where().get().span(), "prune chooses layers by name, kind, params or index, not by sensitivity",
                    Optional.empty(), "A sensitivity belongs to a format: choose the layers to prune by name or params");
        }
        Statement.Prune.Target t = p.target();
        Sparsity sparsity = t.of().isPresent()
                ? Sparsity.semiStructured((int) t.amount().value(), (int) t.of().get().value())
                : Sparsity.unstructured(t.amount().value());
        Rule rule = Rule.prune(r.label(p), compiler.patterns(sel.patterns()), sparsity).except(compiler.patterns(sel.except()));
        if (sel.where().isPresent()) {
            Compiler.Condition c = compiler.condition(sel.where().get());
            rule = rule.where(c.test(), c.namedKinds());
        }
        PrecisSession session = r.context().session();
        Optional<Model> model = session.model();
        if (model.isPresent()) {
            Rule check = rule;
            List<io.precis.engine.model.LayerRef> layers = model.get().layers();
            for (int i = 0; i < layers.size(); i++) {
                io.precis.engine.model.LayerRef l = layers.get(i);
                boolean keptByDefault = io.precis.engine.plan.Planner.DEFAULT_KEPT.contains(l.kind());
                if (!check.covers(l.name()) || keptByDefault && !check.namesExplicitly(l.name(), l.kind())
                        || check.where() != null && !check.where().test(
                                new io.precis.engine.plan.Candidate(l, i, null, io.precis.engine.plan.SensitivityLookup.NONE))) {
                    continue;
                }
                for (io.precis.engine.model.TensorRef w : l.weights()) {
                    String misfit = sparsity.misfit(w);
                    if (misfit != null) {
                        throw compiler.error(t.span(), misfit + " (layer " + l.name() + ")", Optional.empty(),
                                "Prune that layer unstructured (prune ... to 50%), or leave it out with 'except'");
                    }
                }
            }
        }
        session.addRule(rule);
        r.warnUnmatched(sel.patterns());
        return rule;
    }

    /**
     * {@code fit precision law}: the rows of one training precision and one PTQ family (each defaults to the only
     * one in the table), fitted with 200 bootstrap resamples (seed 1, so a re-run gives the same intervals).
     */
    private static Object fitLaw(CellRuntime.Run r, Statement.FitLaw f) {
        Compiler compiler = r.compiler();
        List<PtqRow> rows;
        io.precis.dsl.ast.Node at = f.file().isPresent() ? f.file().get() : f.rows().orElseThrow();
        if (f.file().isPresent()) {
            Path path = Path.of(f.file().get().value());
            try {
                rows = PtqTable.read(path);
            } catch (java.io.IOException | java.io.UncheckedIOException | IllegalArgumentException e) {
                String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
                throw compiler.error(at, "cannot read the PTQ table " + path + ": " + why);
            }
        } else {
            Object value = r.subject(f.rows().get());
            if (!(value instanceof List<?> list) || !list.stream().allMatch(PtqRow.class::isInstance)) {
                throw compiler.error(at, f.rows().get().name() + " is a " + value.getClass().getSimpleName()
                        + ", not the rows of a PTQ table (List<PtqRow>, as PtqTable.read gives)");
            }
            rows = list.stream().map(PtqRow.class::cast).toList();
        }
        String algorithm = algorithmChoice(compiler, f, rows);
        rows = rows.stream().filter(x -> x.algorithm().equals(algorithm)).toList();
        if (f.across().isPresent()) {
            return fitAcross(r, f, rows, algorithm);
        }
        String trained = lawChoice(compiler, f, f.trained(), rows.stream().map(PtqRow::trainPrecision).distinct().toList(), "trained");
        String family = lawChoice(compiler, f, f.quantized(), rows.stream().map(PtqRow::ptqFormat).distinct().toList(), "quantized");
        List<PtqRow> chosen = rows.stream().filter(x -> x.trainPrecision().equals(trained) && x.ptqFormat().equals(family)).toList();
        if (chosen.size() < 5) {
            throw compiler.error(f, "fitting the precision law needs at least 5 rows; the table has " + chosen.size()
                    + " trained " + trained + " and quantized " + family + " by " + algorithm);
        }
        PrecisionLaw law;
        try {
            law = PrecisionLaw.fit(chosen, 200, 1);
        } catch (RuntimeException e) {
            throw compiler.error(f, "the fit did not converge on these " + chosen.size() + " rows: " + e.getMessage());
        }
        r.context().out().text("Precision law, trained " + trained + ", quantized " + family + " by " + algorithm + ": " + law);
        return law;
    }

    /**
     * {@code fit precision law ... across training precisions}: Kumar et al.'s Eq. 8-9 on every training precision of
     * one PTQ family (200 bootstrap resamples, seed 1).
     */
    private static TrainingPrecisionLaw fitAcross(CellRuntime.Run r, Statement.FitLaw f, List<PtqRow> rows, String algorithm) {
        Compiler compiler = r.compiler();
        String family = lawChoice(compiler, f, f.quantized(), rows.stream().map(PtqRow::ptqFormat).distinct().toList(), "quantized");
        List<PtqRow> chosen = rows.stream().filter(x -> x.ptqFormat().equals(family)).toList();
        for (PtqRow x : chosen) {
            try {
                TrainingPrecisionLaw.trainingBits(x.trainPrecision());
            } catch (IllegalArgumentException e) {
                throw compiler.error(f.across().get().span(), e.getMessage(), Optional.empty());
            }
        }
        List<String> precisions = chosen.stream().map(PtqRow::trainPrecision).distinct().toList();
        TrainingPrecisionLaw law;
        try {
            law = TrainingPrecisionLaw.fit(chosen, 200, 1);
        } catch (RuntimeException e) {
            throw compiler.error(f, "cannot fit across the training precisions " + String.join(", ", precisions) + " of the "
                    + chosen.size() + " rows quantized " + family + " by " + algorithm + ": " + e.getMessage());
        }
        r.context().out().text("Precision law across training precisions (" + String.join(", ", precisions) + "), quantized "
                + family + " by " + algorithm + ": " + law);
        return law;
    }

    /**
     * The PTQ algorithm of the rows to fit: the one named ({@code using gptq}, checked against the table), else round
     * to nearest when the table has it (the paper's law is round to nearest's), else the table's only one.
     */
    private static String algorithmChoice(Compiler compiler, Statement.FitLaw f, List<PtqRow> rows) {
        List<String> present = rows.stream().map(PtqRow::algorithm).distinct().toList();
        if (f.algorithm().isPresent()) {
            String word = f.algorithm().get().kind().name().toLowerCase(java.util.Locale.ROOT);
            if (!present.contains(word)) {
                throw compiler.error(f.algorithm().get().span(), "the table has no rows quantized by " + word + "; it has "
                        + String.join(", ", present), Optional.empty());
            }
            return word;
        }
        if (present.contains("rtn") || present.size() != 1) {
            if (!present.contains("rtn")) {
                throw compiler.error(f, present.isEmpty() ? "the PTQ table has no rows"
                        : "the table has several algorithms: say which with 'using " + present.get(0) + "' (it has " + String.join(", ", present) + ")");
            }
            return "rtn";
        }
        return present.get(0);
    }

    /** The value a filter names (checked against the table), or the table's only one. */
    private static String lawChoice(Compiler compiler, Statement.FitLaw f, Optional<io.precis.dsl.ast.Name> given,
                                    List<String> present, String keyword) {
        if (given.isPresent()) {
            String word = given.get().text();
            if (!present.contains(word)) {
                throw compiler.error(given.get().span(), "the table has no rows " + keyword + " " + word + "; it has "
                        + String.join(", ", present), io.precis.dsl.diagnostic.Suggest.closest(word, present));
            }
            return word;
        }
        if (present.size() != 1) {
            throw compiler.error(f, present.isEmpty() ? "the PTQ table has no rows"
                    : "the table has several: say which with '" + keyword + " " + present.get(0) + "' (it has "
                    + String.join(", ", present) + ")");
        }
        return present.get(0);
    }

    /**
     * {@code predict law for N n, D d [trained p] at format}: the law's δ at the format's bits per weight (scales
     * counted); a law fitted across training precisions also reads the training precision (bf16 when not given).
     */
    private static Double predict(CellRuntime.Run r, Statement.Predict p) {
        Compiler compiler = r.compiler();
        Object value = r.subject(p.law());
        if (!(value instanceof PrecisionLaw) && !(value instanceof TrainingPrecisionLaw)) {
            throw compiler.error(p.law(), p.law().name() + " is a " + value.getClass().getSimpleName()
                    + ", not a fitted law: bind one with 'fit precision law on ... as " + p.law().name() + "'");
        }
        Statement.Predict.Precision at = p.precision();
        double bits;
        String label;
        if (at.format().isPresent()) {
            Format format = compiler.format(at.format().get());
            bits = format.bitsPerWeight();
            label = at.format().get().name() + String.format(java.util.Locale.ROOT, " (%.4g bits per weight)", bits);
        } else {
            bits = at.bits().orElseThrow().value();
            label = at.bits().get().text() + " bits";
        }
        double n = p.point().params().value();
        double d = p.point().tokens().value();
        double delta;
        String trainedText = "";
        if (value instanceof TrainingPrecisionLaw law) {
            String trained = p.trained().map(io.precis.dsl.ast.Name::text).orElse("bf16");
            int trainBits;
            try {
                trainBits = TrainingPrecisionLaw.trainingBits(trained);
            } catch (IllegalArgumentException e) {
                throw compiler.error(p.trained().get(), e.getMessage());
            }
            delta = law.predict(n, d, trainBits, bits);
            trainedText = " trained " + trained + (p.trained().isEmpty() ? " (the default)" : "")
                    + String.format(java.util.Locale.ROOT, ", N_eff = %.3g", law.effectiveParams(n, trainBits));
            r.context().out().text(String.format(java.util.Locale.ROOT,
                    "Predicted PTQ damage for N = %.3g, D = %.3g%s at %s: δ loss = %.4g nats per token (law across training precisions, %d rows, R² = %.3f)",
                    n, d, trainedText, label, delta, law.rows(), law.r2()));
            return delta;
        }
        PrecisionLaw law = (PrecisionLaw) value;
        if (p.trained().isPresent()) {
            throw compiler.error(p.trained().get(), p.law().name() + " was fitted for one training precision; 'trained' needs a law"
                    + " fitted 'across training precisions'");
        }
        delta = law.predict(n, d, bits);
        r.context().out().text(String.format(java.util.Locale.ROOT,
                "Predicted PTQ damage for N = %.3g, D = %.3g at %s: δ loss = %.4g nats per token (law fitted on %d rows, R² = %.3f)",
                n, d, label, delta, law.rows(), law.r2()));
        return delta;
    }

    /**
     * {@code quantize activations}: a rule the engine's {@code Planner} resolves over the linear layers (their inputs
     * quantized, whatever their weights' format); 'evaluate' runs them in the forward pass.
     */
    private static Rule activations(CellRuntime.Run r, Statement.QuantizeActivations q) {
        Compiler compiler = r.compiler();
        io.precis.dsl.ast.LayerSelection sel = q.layers();
        if (sel.where().map(Statements::readsSensitivity).orElse(false)) {
            throw compiler.error(sel.where().get().span(), "quantize activations chooses layers by name, kind, params or index, not by sensitivity",
                    Optional.empty(), "A sensitivity belongs to a weight format: choose the layers by name or params");
        }
        io.precis.engine.plan.ActivationSpec.Range range = q.range().map(rg -> switch (rg.method()) {
            case ABSMAX -> io.precis.engine.plan.ActivationSpec.Range.ABSMAX;
            case MSE -> io.precis.engine.plan.ActivationSpec.Range.MSE;
            case PERCENTILE -> io.precis.engine.plan.ActivationSpec.Range.percentile(rg.percent());
        }).orElse(io.precis.engine.plan.ActivationSpec.Range.ABSMAX);
        // 'using smoothquant' without a number searches alpha; with one it is fixed
        boolean search = q.smooth().map(sm -> sm.alpha().isEmpty()).orElse(false);
        double alpha = q.smooth().flatMap(Statement.QuantizeActivations.Smooth::alpha).map(io.precis.dsl.ast.NumberLiteral::value).orElse(Double.NaN);
        io.precis.engine.plan.ActivationSpec spec = new io.precis.engine.plan.ActivationSpec(q.fp8()
                ? io.precis.engine.algo.ActivationQuant.Element.FP8_E4M3 : io.precis.engine.algo.ActivationQuant.Element.INT8, q.perToken()
                ? io.precis.engine.algo.ActivationQuant.Granularity.PER_TOKEN : io.precis.engine.algo.ActivationQuant.Granularity.PER_TENSOR, q.dynamic(),
                alpha, search, range, q.codes().map(c -> !c.symmetric()).orElse(false));
        Rule rule = Rule.activations(r.label(q), compiler.patterns(sel.patterns()), spec).except(compiler.patterns(sel.except()));
        if (sel.where().isPresent()) {
            Compiler.Condition c = compiler.condition(sel.where().get());
            rule = rule.where(c.test(), c.namedKinds());
        }
        r.context().session().addRule(rule);
        r.warnUnmatched(sel.patterns());
        return rule;
    }

    private static List<Reference> refs(java.util.function.Consumer<Map<String, Reference>> collect) {
        Map<String, Reference> m = new LinkedHashMap<>();
        collect.accept(m);
        return List.copyOf(m.values());
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
        return Optional.ofNullable(of(s).resultType());
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
