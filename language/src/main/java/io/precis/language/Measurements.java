package io.precis.language;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Name;
import io.precis.dsl.ast.Node;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.SearchGoal;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.Subject;
import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.AnalysisInterruptedException;
import io.precis.engine.analysis.Frontier;
import io.precis.engine.analysis.Method;
import io.precis.engine.analysis.Search;
import io.precis.engine.analysis.SensitivityComparison;
import io.precis.engine.analysis.SensitivityMetric;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.analysis.Sweeps;
import io.precis.engine.export.PlanJson;
import io.precis.engine.figure.Figure;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Candidate;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The statements that measure ({@code sensitivity}, {@code sweep}, {@code search}) and the ones that hand
 * results on ({@code plot}, {@code export}). Each shows its table and figure as it finishes.
 */
final class Measurements {

    /** Formats measured when a statement names none. */
    static final List<String> DEFAULT_FORMATS = List.of("int8", "int4");

    /** What a measuring statement may use from the statement running it. */
    record Context(PrecisSession session, Compiler compiler, Output out, Function<Subject, Object> subjects,
                   Function<Node, Model> model, Function<Subject, Plan> plans, Function<Node, Analysis> analyses,
                   java.util.function.BiConsumer<Plan, Node> fits) {}

    private Measurements() {}

    /** Runs long work; when interrupted, says how far it got (the model is already back at full precision). */
    static <T> T interruptible(Output out, Supplier<T> work) {
        try {
            return work.get();
        } catch (AnalysisInterruptedException e) {
            out.warn("Stopped after " + e.done() + " of " + e.total()
                    + " evaluations; the model's weights are back at full precision.");
            throw e;
        }
    }

    /** The analysis of the model and data in use; no model or no data is an error at the statement, with what to do. */
    private static Analysis analysis(Context c, Node at) {
        return c.analyses().apply(at);
    }

    /** Runs a measurement; what the engine refuses (a format a layer cannot take...) is an error at the statement. */
    private static <T> T measure(Context c, Node at, Supplier<T> work) {
        try {
            return interruptible(c.out(), work);
        } catch (IllegalArgumentException | IllegalStateException | io.precis.engine.model.ModelException e) {
            throw c.compiler().error(at, e.getMessage());
        }
    }

    private static List<Format> formats(Context c, List<FormatName> names) {
        return formats(c, names, List.of());
    }

    /** The formats measured, each with the statement's options ({@code group 128}, {@code asymmetric}) applied. */
    private static List<Format> formats(Context c, List<FormatName> names, List<QuantizeOption> options) {
        List<Format> out = new ArrayList<>();
        if (names.isEmpty()) {
            DEFAULT_FORMATS.forEach(n -> out.add(Formats.parse(n)));
        } else {
            names.forEach(n -> out.add(c.compiler().format(n, options, c.session().seed())));
        }
        return out;
    }

    /**
     * The analysis a measuring statement runs with its method: the algorithm of its {@code using} clause, from
     * statistics captured once on the calibration data, and the session's prune and activation rules kept on. An
     * explicit {@code using} (rtn included, so that curves compare) or a rule that calibrates measures on the
     * evaluation part of the data; a line says which samples calibrated.
     */
    private static Analysis measuring(Context c, Node at, List<QuantizeOption> options, List<Format> formats, List<LayerRef> layers) {
        Analysis plain = analysis(c, at);
        Optional<QuantizeOption.Algorithm> clause = options.stream().filter(QuantizeOption.Algorithm.class::isInstance)
                .map(QuantizeOption.Algorithm.class::cast).findFirst();
        QuantAlgorithm algorithm = QuantAlgorithm.RTN;
        for (Format f : formats) {
            algorithm = c.compiler().algorithm(clause, f);
        }
        Plan rules;
        try {
            rules = interruptible(c.out(), c.session()::measuringRules);
        } catch (IllegalArgumentException | IllegalStateException | io.precis.engine.model.ModelException e) {
            throw c.compiler().error(at, "cannot apply the session's prune and activation rules: " + e.getMessage());
        }
        boolean calibrates = algorithm.needsCalibration() || rules != null && rules.hasStaticActivations();
        if (clause.isEmpty() && rules == null) {
            return plain;
        }
        Node where = clause.<Node>map(a -> a).orElse(at);
        for (LayerRef l : layers) {
            if (!algorithm.needsCalibration()) {
                break;
            }
            if (l.weights().size() != 1 || l.weight().shape().length != 2) {
                throw c.compiler().error(where.span(), algorithm.name() + " works on linear layers with one weight matrix; " + l.name() + " is "
                        + l.kind().label() + " " + java.util.Arrays.toString(l.shape()), Optional.empty(),
                        "Choose linear layers, e.g. 'except " + l.name() + "'");
            }
            io.precis.engine.plan.LayerPlan lp = rules == null ? null : rules.layer(l.name()).orElse(null);
            if (lp != null && lp.isPruned()) {
                throw c.compiler().error(where.span(), l.name() + " keeps its prune rule (" + lp.decidedBy() + "), and pruning combines with round"
                        + " to nearest, not " + algorithm.name(), Optional.empty(), "Measure it without 'using " + algorithm.name()
                        + "', or leave it out with 'except " + l.name() + "'");
            }
        }
        Analysis a;
        io.precis.engine.calib.Calibration cal = null;
        try {
            a = clause.isPresent() || calibrates ? c.session().analysis(true) : plain;
            if (calibrates) {
                cal = c.session().calibration();
            }
        } catch (io.precis.engine.model.ModelException | IllegalArgumentException | IllegalStateException e) {
            throw c.compiler().error(at, e.getMessage());
        }
        Method method;
        try {
            method = Method.of(algorithm, cal, rules);
        } catch (IllegalArgumentException e) {
            throw c.compiler().error(where, e.getMessage());
        }
        a = a.method(method);
        if (!method.plain() || clause.isPresent()) {
            c.out().text((method.plain() ? "Measuring with round to nearest: " : "Measuring: ") + a.describe() + (c.session().settings().getOrDefault("sequential", "no")
                    .equals("yes") && algorithm.needsCalibration() ? " (statistics from one full-precision pass: 'set sequential' applies to evaluate)" : "") + ".");
        }
        return a;
    }

    /** The layers a selection names; all quantizable layers when it names none. */
    private static List<LayerRef> layers(Context c, Analysis a, LayerSelection sel) {
        if (sel == null || sel.allLayers() && sel.where().isEmpty() && sel.except().isEmpty()) {
            return a.quantizableLayers();
        }
        if (sel.where().map(Statements::readsSensitivity).orElse(false)) {
            throw c.compiler().error(sel.where().get(), "layers are chosen here by name, kind, params or index, not by sensitivity");
        }
        Rule filter = Rule.quantize("selection", sel.allLayers() ? List.of(io.precis.engine.plan.LayerPattern.glob("*"))
                : c.compiler().patterns(sel.patterns()), Formats.int8()).except(c.compiler().patterns(sel.except()));
        Compiler.Condition cond = sel.where().map(c.compiler()::condition).orElse(null);
        List<LayerRef> all = sel.allLayers() ? a.quantizableLayers() : a.model().layers();
        List<LayerRef> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            LayerRef l = all.get(i);
            // as in plans: embeddings, norms and heads only when a pattern names them
            boolean keptByDefault = io.precis.engine.plan.Planner.DEFAULT_KEPT.contains(l.kind())
                    && !filter.namesExplicitly(l.name(), l.kind());
            if (filter.covers(l.name()) && !keptByDefault && !l.weights().isEmpty()
                    && (cond == null || cond.test().test(new Candidate(l, i, null, SensitivityLookup.NONE)))) {
                out.add(l);
            }
        }
        if (out.isEmpty()) {
            throw c.compiler().error(sel, "no layer of " + c.session().modelName().orElse("the model") + " matches");
        }
        return out;
    }

    static Object sensitivity(Context c, Statement.Sensitivity s) {
        if (s.by().isPresent()) return estimated(c, s, s.by().get());
        Analysis plain = analysis(c, s);
        List<LayerRef> layers = layers(c, plain, s.layers().orElse(null));
        List<Format> formats = formats(c, s.formats(), s.options());
        Analysis a = measuring(c, s, s.options(), formats, layers);
        SensitivityTable table = measure(c, s, () -> a.sensitivity(layers, formats));
        c.session().lastSensitivity(table);
        c.out().show(table);
        c.out().show(table.figure());
        return table;
    }

    /**
     * {@code sensitivity ... by fisher} (or hessian, or a metric): the table by that metric; {@code by fisher, measured}
     * (or a second metric): both tables, their rank correlation and a scatter. {@code measured} is the session's metric
     * when it is measured, else what the estimate stands for (Fisher: Δloss; Hessian: the task's default).
     */
    private static Object estimated(Context c, Statement.Sensitivity s, Statement.Sensitivity.Estimates by) {
        for (QuantizeOption o : s.options())
            if (o instanceof QuantizeOption.Algorithm al && al.kind() != QuantizeOption.Algorithm.Kind.RTN)
                throw c.compiler().error(o, "'by " + by.first().text() + "' estimates round to nearest; measure '"
                        + al.kind().name().toLowerCase(java.util.Locale.ROOT) + "' without 'by'");
        Analysis a = analysis(c, s);
        List<LayerRef> layers = layers(c, a, s.layers().orElse(null));
        List<Format> formats = formats(c, s.formats(), s.options());
        SensitivityMetric first = metric(c, a, by.first());
        if (by.second().isEmpty()) {
            SensitivityTable table = measure(c, s, () -> a.metric(first).sensitivity(layers, formats));
            c.session().lastSensitivity(table);
            c.out().show(table);
            c.out().show(table.figure());
            return table;
        }
        Name w = by.second().get();
        SensitivityMetric second = !w.text().equals("measured") ? metric(c, a, w)
                : !a.metric().estimated() ? a.metric() : first.measuredAs(a.model().task());
        SensitivityComparison cmp = measure(c, s, () -> a.compare(first, second, layers, formats));
        c.out().show(cmp);
        c.out().show(cmp.figure());
        return cmp;
    }

    /** A metric keyword of {@code by}, checked against the model in use (Fisher needs a loss). */
    private static SensitivityMetric metric(Context c, Analysis a, Name word) {
        try {
            SensitivityMetric m = SensitivityMetric.parse(word.text());
            a.metric(m);
            return m;
        } catch (IllegalArgumentException e) {
            throw c.compiler().error(word, e.getMessage());
        }
    }

    static Sweep sweep(Context c, Statement.Sweep s) {
        Analysis plain = analysis(c, s);
        List<Format> formats = formats(c, s.formats(), s.options());
        LayerSelection sel = s.layers();
        List<LayerRef> layers = layers(c, plain, sel);
        Analysis a = measuring(c, s, s.options(), formats, layers);
        Sweep sweep;
        if (sel.patterns().size() > 1) {
            // several patterns: one curve per pattern (a layer group)
            List<String> globs = sel.patterns().stream().map(Pattern::text).toList();
            sweep = measure(c, s, () -> a.sweep(Sweeps.byPatterns(layers, globs), formats));
        } else {
            sweep = measure(c, s, () -> a.sweep(layers, formats));
        }
        c.out().show(sweep);
        c.out().show(sweep.figure());
        return sweep;
    }

    /** Binds the chosen plan ({@code search ... as best}); the frontier stays in the session. */
    static Plan search(Context c, Statement.Search s) {
        Analysis plain = analysis(c, s);
        List<Format> formats = formats(c, s.formats(), s.options());
        switch (s.goal()) {
            case SearchGoal.BitBudget b -> {
                double bits = b.bitsPerWeight().value();
                if (!(bits > 0 && bits <= 64)) {
                    throw c.compiler().error(b.bitsPerWeight(), "a bit budget is a number of bits per weight above 0 and at most 64, not "
                            + b.bitsPerWeight().text());
                }
            }
            case SearchGoal.Tolerance t -> {
                double change = t.maxChange().value();
                if (!(change >= 0) || Double.isInfinite(change)) {
                    throw c.compiler().error(t.maxChange(), "a tolerance is the largest change of the metric to accept, a number from 0, not "
                            + t.maxChange().text());
                }
            }
        }
        if (plain.quantizableLayers().isEmpty()) {
            throw c.compiler().error(s, c.session().modelName().orElse("the model") + " has no layer to quantize, so there is nothing to search");
        }
        Analysis a = measuring(c, s, s.options(), formats, plain.quantizableLayers());
        Search search = measure(c, s, () -> a.search(a.quantizableLayers(), formats));
        Frontier f = measure(c, s, () -> switch (s.goal()) {
            case SearchGoal.BitBudget b -> search.underBudget(b.bitsPerWeight().value());
            case SearchGoal.Tolerance t -> search.withinChange(t.maxChange().value());
        });
        c.session().frontier(f);
        c.out().show(f);
        c.out().show(f.figure());
        if (f.chosen().isEmpty()) {
            throw c.compiler().error(s.goal(), "no plan meets " + f.constraint() + "; the front above shows what is possible");
        }
        Plan plan = f.plan();
        c.out().text(String.format(Locale.ROOT, "Chosen: %d of %d layers quantized, %.3f bits/weight over the searched layers, %s.",
                plan.quantized().size(), plan.layers().size(), plan.quantizedBits(), plan.sizeLine()));
        return plan;
    }

    static Figure plot(Context c, Statement.Plot p) {
        Object o = c.subjects().apply(p.subject());
        Figure fig = switch (o) {
            case Figure f -> f;
            case SensitivityTable t -> t.figure();
            case SensitivityComparison sc -> sc.figure();
            case Sweep s -> s.figure();
            case Frontier f -> f.figure();
            case io.precis.engine.lab.PtqLaw law -> io.precis.engine.lab.LabFigures.measuredVsPredicted(law);
            case Plan plan -> c.session().frontier().filter(f -> f.chosen().isPresent()).map(Frontier::figure).orElseThrow(() ->
                    c.compiler().error(p.subject(), "a plan is drawn on a search's Pareto front: run 'search budget N bits' first"));
            default -> throw c.compiler().error(p.subject(), "plot draws a sensitivity table, a sweep, a search or a fitted precision law; this is a "
                    + o.getClass().getSimpleName());
        };
        c.out().show(fig);
        if (o instanceof io.precis.engine.lab.PtqLaw law) {
            c.out().show(io.precis.engine.lab.LabFigures.residuals(law)); // a fit's second view; the first is returned
        }
        return fig;
    }

    static Path export(Context c, Statement.Export e) {
        Model model = c.model().apply(e);
        Plan plan = c.plans().apply(e.subject());
        c.fits().accept(plan, e);
        String flavour = PlanExports.flavour(e.flavour().map(n -> n.text()), e.file().value());
        if (flavour == null) {
            throw c.compiler().error(e.flavour().get(), "export as " + e.flavour().get().text() + " is not available. Flavours: "
                    + String.join(", ", PlanExports.FLAVOURS) + " (compressed-tensors also writes llm-compressor's recipe.yaml)");
        }
        boolean ggufName = e.file().value().toLowerCase(Locale.ROOT).endsWith(".gguf");
        if (flavour.equals("gguf") != ggufName) {
            throw c.compiler().error(e.file(), flavour.equals("gguf") ? "a GGUF export goes to a file ending .gguf"
                    : "a file ending .gguf holds a GGUF model: export plan to \"" + e.file().value() + "\" without 'as " + flavour + "'");
        }
        Path file;
        try {
            file = Path.of(e.file().value());
        } catch (IllegalArgumentException ex) {
            throw c.compiler().error(e.file(), "not a file name: " + ex.getMessage());
        }
        if (e.file().value().isBlank()) {
            throw c.compiler().error(e.file(), "the file name is empty: export plan to \"plan.json\"");
        }
        if (flavour.equals("gguf")) {
            return exportGguf(c, e, model, plan, file);
        }
        io.precis.engine.export.Calibrated calibrated = io.precis.engine.export.Calibrated.none(plan);
        if (PlanExports.calibrates(flavour, plan)) {
            // GPTQ/AWQ weights and static input scales come from the session's calibration data, as 'evaluate' computes them
            io.precis.engine.calib.Calibration cal;
            try {
                c.session().analysis(true);
                cal = c.session().calibration();
            } catch (io.precis.engine.model.ModelException | IllegalArgumentException | IllegalStateException ex) {
                throw c.compiler().error(e, "cannot calibrate the plan for the export: " + ex.getMessage());
            }
            Plan p = plan;
            calibrated = measure(c, e, () -> io.precis.engine.export.Calibrated.compute(model, p, cal.inputs(model), cal.sequential(), cal.seed()));
        }
        String wrote;
        try {
            wrote = PlanExports.write(flavour, plan, model, file, calibrated);
        } catch (io.precis.engine.io.WriteFailed ex) {
            throw c.compiler().error(e.file(), "cannot write " + file.toAbsolutePath() + ": " + ex.reason());
        } catch (RuntimeException ex) {
            throw c.compiler().error(e.file(), "cannot write " + file.toAbsolutePath() + ": " + ex.getMessage());
        }
        c.out().text(wrote);
        return file.toAbsolutePath();
    }

    /** The model itself as a GGUF, each planned tensor re-quantized by llama.cpp's reference quantizer (GgufWriter). */
    private static Path exportGguf(Context c, Statement.Export e, Model model, Plan plan, Path file) {
        if (!plan.activations().isEmpty()) {
            throw c.compiler().error(e.file(), "cannot export the GGUF: the plan quantizes the inputs of " + plan.activations().size()
                    + " layers, and a GGUF holds weights only; export a plan without 'quantize activations' rules");
        }
        if (!plan.pruned().isEmpty()) {
            throw c.compiler().error(e.file(), "cannot export the GGUF: " + plan.pruned().size() + " layers are pruned ("
                    + plan.pruned().get(0).name() + (plan.pruned().size() > 1 ? ", ..." : "") + "), and a GGUF is written from the"
                    + " stored weights, dense; export the plan without its prune rules, or as JSON");
        }
        try {
            io.precis.engine.model.gguf.GgufWriter.write(model, plan, file);
        } catch (io.precis.engine.model.ModelException | IllegalArgumentException ex) {
            throw c.compiler().error(e.file(), "cannot export the GGUF: " + ex.getMessage());
        }
        long bytes;
        try {
            bytes = java.nio.file.Files.size(file);
        } catch (java.io.IOException ex) {
            bytes = -1;
        }
        c.out().text(String.format(Locale.ROOT, "Wrote %s (%.1f MB): %d of %d layers re-quantized as planned, %.3f effective bits/weight;"
                        + " every other tensor as the source file stores it.",
                file.toAbsolutePath(), bytes / 1e6, plan.quantized().size(), plan.layers().size(), plan.effectiveBits()));
        return file.toAbsolutePath();
    }
}
