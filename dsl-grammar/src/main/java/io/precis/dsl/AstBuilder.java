package io.precis.dsl;

import io.precis.dsl.ast.FormatName;
import io.precis.dsl.ast.LayerSelection;
import io.precis.dsl.ast.Name;
import io.precis.dsl.ast.NumberLiteral;
import io.precis.dsl.ast.Operand;
import io.precis.dsl.ast.Option;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Predicate;
import io.precis.dsl.ast.QuantizeOption;
import io.precis.dsl.ast.SearchGoal;
import io.precis.dsl.ast.Source;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.StringLiteral;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Value;
import io.precis.dsl.ast.Variable;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.grammar.PrecisBaseVisitor;
import io.precis.dsl.grammar.PrecisParser;
import io.precis.dsl.grammar.PrecisParser.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.PatternSyntaxException;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Builds the immutable tree from a parse tree that has no syntax errors. Checks that need the tree but
 * no engine (a whole group size, a percentile in range, a regex that compiles, a clause given twice)
 * are reported here as diagnostics; the statement is still built so later checks can run.
 */
final class AstBuilder extends PrecisBaseVisitor<Statement> {

    private final SourceText source;
    private final List<Diagnostic> diagnostics;

    AstBuilder(SourceText source, List<Diagnostic> diagnostics) {
        this.source = source;
        this.diagnostics = diagnostics;
    }

    /** The statement being built: its {@code as name} and its whole span, which each body visitor puts in its record. */
    private Optional<Name> binding = Optional.empty();
    private Span at = Span.NONE;

    Statement statement(StatementContext ctx) {
        binding = ctx.bindingName() == null ? Optional.empty() : Optional.of(name(ctx.bindingName()));
        at = span(ctx);
        return visit(ctx.statementBody());
    }

    // ------------------------------------------------------------------ statements

    @Override
    public Statement visitLoadModel(LoadModelContext ctx) {
        Optional<Name> engine = ctx.engineClause() == null
                ? Optional.empty()
                : Optional.of(name(ctx.engineClause().engineName().word()));
        return new Statement.LoadModel(source(ctx.source()), engine, options(ctx.optionsClause()),
                binding, at);
    }

    @Override
    public Statement visitLoadDataset(LoadDatasetContext ctx) {
        return new Statement.LoadDataset(source(ctx.source()), options(ctx.optionsClause()), binding,
                at);
    }

    @Override
    public Statement visitUse(UseContext ctx) {
        Optional<Variable> dataset = ctx.datasetRef() == null
                ? Optional.empty()
                : Optional.of(variable(ctx.datasetRef().identifier()));
        return new Statement.Use(variable(ctx.modelRef().identifier()), dataset, binding, at);
    }

    @Override
    public Statement visitCalibrate(CalibrateContext ctx) {
        return new Statement.Calibrate(variable(ctx.datasetRef().identifier()), binding, at);
    }

    @Override
    public Statement visitSet(SetContext ctx) {
        return new Statement.Setting(name(ctx.settingName().word()), value(ctx.settingValue().value()),
                binding, at);
    }

    @Override
    public Statement visitQuantize(QuantizeContext ctx) {
        List<QuantizeOption> options = new ArrayList<>();
        List<SelectionClauseContext> selection = new ArrayList<>();
        for (QuantizeClauseContext clause : ctx.quantizeClause()) {
            if (clause.selectionClause() != null) {
                selection.add(clause.selectionClause());
                continue;
            }
            QuantizeOption option = quantizeOption(clause);
            for (QuantizeOption earlier : options) {
                if (earlier.getClass() == option.getClass()) {
                    diagnostics.add(Diagnostic.error(option.span(),
                            optionKind(option) + " given twice in one rule (first as '" + text(earlier.span()) + "')"));
                }
            }
            options.add(option);
        }
        LayerSelection layers = selection(ctx.patternList(), selection, span(ctx.patternList()));
        return new Statement.Quantize(layers, format(ctx.formatName()), options, binding, at);
    }

    @Override
    public Statement visitKeep(KeepContext ctx) {
        return new Statement.Keep(selection(ctx.patternList(), ctx.selectionClause(), span(ctx.patternList())),
                binding, at);
    }

    @Override
    public Statement visitQuantizeActivations(QuantizeActivationsContext ctx) {
        FormatName format = format(ctx.formatName());
        String fname = format.name().toLowerCase(java.util.Locale.ROOT);
        if (!fname.equals("int8") && !fname.equals("fp8") && !fname.equals("fp8_e4m3")) {
            diagnostics.add(Diagnostic.error(format.span(), "activations are quantized to int8 or fp8 (E4M3) here, not " + format.name())
                    .withHelp("Weights take the other formats: quantize <patterns> to " + format.name()));
        }
        Optional<Statement.QuantizeActivations.Granularity> granularity = Optional.empty();
        Optional<Statement.QuantizeActivations.Scale> scale = Optional.empty();
        Optional<Statement.QuantizeActivations.Codes> codes = Optional.empty();
        Optional<Statement.QuantizeActivations.Range> range = Optional.empty();
        Optional<Statement.QuantizeActivations.Smooth> smooth = Optional.empty();
        List<SelectionClauseContext> selection = new ArrayList<>();
        for (ActivationClauseContext clause : ctx.activationClause()) {
            switch (clause) {
                case ActivationGranularityContext g -> {
                    if (granularity.isPresent()) {
                        diagnostics.add(Diagnostic.error(span(g), "granularity given twice in one rule (first as '"
                                + granularity.get().source() + "')"));
                    }
                    granularity = Optional.of(new Statement.QuantizeActivations.Granularity(g.TOKEN() != null, span(g)));
                }
                case ActivationScaleContext sc -> {
                    if (scale.isPresent()) {
                        diagnostics.add(Diagnostic.error(span(sc), "static or dynamic given twice in one rule (first as '"
                                + scale.get().source() + "')"));
                    }
                    scale = Optional.of(new Statement.QuantizeActivations.Scale(sc.DYNAMIC() != null, span(sc)));
                }
                case ActivationSymmetryContext sy -> {
                    if (codes.isPresent()) {
                        diagnostics.add(Diagnostic.error(span(sy), "symmetric or asymmetric given twice in one rule"));
                    }
                    codes = Optional.of(new Statement.QuantizeActivations.Codes(sy.symmetry().SYMMETRIC() != null, span(sy)));
                }
                case ActivationClippingContext cl -> {
                    if (range.isPresent()) {
                        diagnostics.add(Diagnostic.error(span(cl), "the static scale's calibration given twice in one rule (first as '"
                                + range.get().source() + "')"));
                    }
                    ClippingContext c = cl.clipping();
                    Optional<NumberLiteral> p = c.number() == null ? Optional.empty() : Optional.of(number(c.number()));
                    QuantizeOption.Clipping.Method method = c.ABSMAX() != null ? QuantizeOption.Clipping.Method.ABSMAX
                            : c.MSE() != null ? QuantizeOption.Clipping.Method.MSE : QuantizeOption.Clipping.Method.PERCENTILE;
                    Statement.QuantizeActivations.Range r = new Statement.QuantizeActivations.Range(method, p, span(cl));
                    if (p.isPresent() && !(r.percent() > 0 && r.percent() <= 100)) {
                        diagnostics.add(Diagnostic.error(p.get().span(), "a percentile must be above 0 and at most 100, not " + p.get().text()));
                    }
                    range = Optional.of(r);
                }
                case ActivationSmoothContext sm -> {
                    if (smooth.isPresent()) {
                        diagnostics.add(Diagnostic.error(span(sm), "smoothquant given twice in one rule"));
                    }
                    Optional<NumberLiteral> alpha = sm.number() == null ? Optional.empty() : Optional.of(number(sm.number()));
                    if (alpha.isPresent() && (alpha.get().isPercent() || !(alpha.get().value() >= 0 && alpha.get().value() <= 1))) {
                        diagnostics.add(Diagnostic.error(alpha.get().span(), "smoothquant's alpha is a number from 0 to 1, not "
                                + alpha.get().text()).withHelp("0.5 balances the two; higher moves more of the outliers into the weights"));
                    }
                    smooth = Optional.of(new Statement.QuantizeActivations.Smooth(alpha, span(sm)));
                }
                case ActivationSelectionContext sel -> selection.add(sel.selectionClause());
                default -> throw new IllegalStateException("unknown activation clause " + clause.getText());
            }
        }
        if (granularity.map(Statement.QuantizeActivations.Granularity::perToken).orElse(false) && scale.map(x -> !x.dynamic()).orElse(false)) {
            diagnostics.add(Diagnostic.error(scale.get().span(), "per-token scales are computed per call (dynamic), not static")
                    .withHelp("A static scale is one per tensor: per tensor static"));
        }
        boolean dynamic = scale.map(Statement.QuantizeActivations.Scale::dynamic).orElse(range.isEmpty());
        if (range.isPresent() && range.get().method() != QuantizeOption.Clipping.Method.ABSMAX
                && (dynamic || granularity.map(Statement.QuantizeActivations.Granularity::perToken).orElse(false))) {
            diagnostics.add(Diagnostic.error(range.get().span(), range.get().source() + " calibrates a static scale once; dynamic scales take each call's absmax")
                    .withHelp("per tensor static " + range.get().source()));
        }
        if (codes.isPresent() && !codes.get().symmetric() && (fname.startsWith("fp8") || !dynamic)) {
            diagnostics.add(Diagnostic.error(codes.get().span(), "asymmetric activations are int8 with dynamic scales (a zero point from each call's min and max)")
                    .withHelp(fname.startsWith("fp8") ? "fp8 is symmetric: drop 'asymmetric'" : "drop 'static', or 'asymmetric'"));
        }
        return new Statement.QuantizeActivations(selection(ctx.patternList(), selection, span(ctx.patternList())), format, granularity,
                scale, codes, range, smooth, binding, at);
    }

    @Override
    public Statement visitPrune(PruneContext ctx) {
        SparsityContext s = ctx.sparsity();
        NumberLiteral amount = number(s.number(0));
        Optional<NumberLiteral> of = s.COLON() == null ? Optional.empty() : Optional.of(number(s.number(1)));
        if (of.isPresent()) {
            NumberLiteral m = of.get();
            if (!amount.isWhole() || !m.isWhole() || amount.isPercent() || m.isPercent() || amount.value() < 1
                    || amount.value() >= m.value() || m.value() > 64) {
                diagnostics.add(Diagnostic.error(span(s), "N:M pruning keeps N of every M weights, whole numbers with"
                        + " 0 < N < M <= 64, not " + amount.text() + ":" + m.text()).withHelp("2:4 is what sparse tensor cores run"));
            }
        } else if (!amount.isPercent() && amount.value() >= 1) {
            diagnostics.add(Diagnostic.error(amount.span(), "prune to a percentage (50%) or a fraction below 1 (0.5), not "
                    + amount.text()).withHelp("For N:M sparsity write it with a colon: 2:4"));
        } else if (!(amount.value() > 0 && amount.value() < 1)) {
            diagnostics.add(Diagnostic.error(amount.span(), "the pruned fraction is more than 0% and less than 100%, not "
                    + amount.text()));
        }
        return new Statement.Prune(selection(ctx.patternList(), ctx.selectionClause(), span(ctx.patternList())),
                new Statement.Prune.Target(amount, of, span(s)), binding, at);
    }

    @Override
    public Statement visitShowLayers(ShowLayersContext ctx) {
        return new Statement.ShowLayers(optionalSelection(ctx.patternList(), ctx.selectionClause()),
                binding, at);
    }

    @Override
    public Statement visitShowPlan(ShowPlanContext ctx) {
        return new Statement.ShowPlan(binding, at);
    }

    @Override
    public Statement visitEvaluate(EvaluateContext ctx) {
        Optional<Subject> subject = ctx.subject() == null ? Optional.empty() : Optional.of(subject(ctx.subject()));
        return new Statement.Evaluate(subject, binding, at);
    }

    @Override
    public Statement visitSensitivity(SensitivityContext ctx) {
        Optional<Statement.Sensitivity.Estimates> by = Optional.ofNullable(ctx.estimateClause()).map(this::estimates);
        return new Statement.Sensitivity(optionalSelection(ctx.patternList(), ctx.selectionClause()),
                formats(ctx.formatList()), measureOptions(ctx.measureOption()), by, binding, at);
    }

    /** {@code by fisher [, measured]}: each word a metric keyword, an estimate, or {@code measured} (second only). */
    private Statement.Sensitivity.Estimates estimates(EstimateClauseContext ctx) {
        List<Name> words = new ArrayList<>();
        for (WordContext w : ctx.word()) words.add(new Name(w.getText().toLowerCase(java.util.Locale.ROOT), span(w)));
        for (int i = 0; i < words.size(); i++) {
            Name w = words.get(i);
            String t = w.text().replace('-', '_');
            boolean metric = Language.METRICS.contains(t) && !t.equals("default");
            if (t.equals("measured") && i == 0) {
                diagnostics.add(Diagnostic.error(w.span(), "'measured' compares with an estimate named first: by fisher, measured"));
            } else if (!metric && !t.equals("measured")) {
                diagnostics.add(Diagnostic.error(w.span(), "'" + w.text() + "' is not a way to find sensitivity; by "
                        + String.join(" | ", Language.METRICS.stream().filter(m -> !m.equals("default")).toList())
                        + (i == 1 ? " | measured" : "")));
            }
        }
        if (words.size() == 2 && words.get(0).text().equals(words.get(1).text())) {
            diagnostics.add(Diagnostic.error(words.get(1).span(), "compare " + words.get(0).text() + " with something else, e.g. measured"));
        }
        return new Statement.Sensitivity.Estimates(words.get(0), words.size() > 1 ? Optional.of(words.get(1)) : Optional.empty(), span(ctx));
    }

    @Override
    public Statement visitSweep(SweepContext ctx) {
        return new Statement.Sweep(selection(ctx.patternList(), ctx.selectionClause(), span(ctx.patternList())),
                formats(ctx.formatList()), measureOptions(ctx.measureOption()), binding, at);
    }

    @Override
    public Statement visitSearchBudget(SearchBudgetContext ctx) {
        NumberLiteral bits = number(ctx.number());
        if (bits.value() <= 0) {
            diagnostics.add(Diagnostic.error(bits.span(), "a bit budget must be more than 0 bits per weight"));
        }
        Span goal = source.span(ctx.BUDGET().getSymbol(), ctx.BITS().getSymbol());
        return new Statement.Search(new SearchGoal.BitBudget(bits, goal), formats(ctx.formatList()),
                measureOptions(ctx.measureOption()), binding, at);
    }

    @Override
    public Statement visitSearchTolerance(SearchToleranceContext ctx) {
        NumberLiteral tolerance = number(ctx.number());
        if (tolerance.value() < 0) {
            diagnostics.add(Diagnostic.error(tolerance.span(), "a tolerance cannot be negative"));
        }
        Span goal = source.span(ctx.TOLERANCE().getSymbol(), ctx.number().getStop());
        return new Statement.Search(new SearchGoal.Tolerance(tolerance, goal), formats(ctx.formatList()),
                measureOptions(ctx.measureOption()), binding, at);
    }

    @Override
    public Statement visitPlot(PlotContext ctx) {
        PlotSubjectContext s = ctx.plotSubject();
        Subject subject = s.PLAN() != null ? new Subject.CurrentPlan(span(s))
                : s.SENSITIVITY() != null ? new Subject.CurrentSensitivity(span(s))
                : variable(s.variable().identifier());
        return new Statement.Plot(subject, binding, at);
    }

    @Override
    public Statement visitExport(ExportContext ctx) {
        Optional<Name> flavour = ctx.flavour() == null ? Optional.empty() : Optional.of(name(ctx.flavour()));
        Token file = ctx.filePath().STRING().getSymbol();
        return new Statement.Export(subject(ctx.subject()), flavour,
                new StringLiteral(Strings.unquote(file.getText()), source.span(file)), binding, at);
    }

    @Override
    public Statement visitFitLaw(FitLawContext ctx) {
        LawTableContext t = ctx.lawTable();
        Optional<StringLiteral> file = t.filePath() == null ? Optional.empty() : Optional.of(string(t.filePath().STRING()));
        Optional<Variable> rows = t.variable() == null ? Optional.empty() : Optional.of(variable(t.variable().identifier()));
        Optional<Name> trained = Optional.empty();
        Optional<Name> quantized = Optional.empty();
        Optional<Statement.FitLaw.Across> across = Optional.empty();
        Optional<QuantizeOption.Algorithm> algorithm = Optional.empty();
        for (LawFilterContext f : ctx.lawFilter()) {
            if (f.algorithm() != null) {
                if (algorithm.isPresent()) {
                    diagnostics.add(Diagnostic.error(span(f), "the algorithm is given twice (first as '" + text(algorithm.get().span()) + "')"));
                }
                QuantizeOption.Algorithm a = (QuantizeOption.Algorithm) option(null, null, f.algorithm(), f);
                if (a.kind() == QuantizeOption.Algorithm.Kind.AWQ) {
                    diagnostics.add(Diagnostic.error(a.span(), "the scaling-law lab measures rtn and gptq, not awq"));
                }
                algorithm = Optional.of(a);
                continue;
            }
            if (f.ACROSS() != null) {
                if (across.isPresent()) {
                    diagnostics.add(Diagnostic.error(span(f), "'across training precisions' is given twice"));
                }
                across = Optional.of(new Statement.FitLaw.Across(span(f)));
                continue;
            }
            boolean isTrained = f.TRAINED() != null;
            if ((isTrained ? trained : quantized).isPresent()) {
                diagnostics.add(Diagnostic.error(span(f), "'" + (isTrained ? "trained" : "quantized") + "' is given twice"));
            }
            if (isTrained) {
                trained = Optional.of(name(f.word()));
            } else {
                quantized = Optional.of(name(f.word()));
            }
        }
        if (across.isPresent() && trained.isPresent()) {
            diagnostics.add(Diagnostic.error(trained.get().span(), "'trained " + trained.get().text()
                    + "' fits one training precision and 'across training precisions' fits them all: say one of them"));
        }
        return new Statement.FitLaw(file, rows, trained, quantized, algorithm, across, binding, at);
    }

    @Override
    public Statement visitPredict(PredictContext ctx) {
        NumberLiteral n = null;
        NumberLiteral d = null;
        boolean unknown = false;
        for (LawPointContext p : ctx.lawPoint()) {
            String key = p.IDENT().getText();
            NumberLiteral v = number(p.number());
            if (v.isPercent() || v.value() <= 0) {
                diagnostics.add(Diagnostic.error(v.span(), key + " is a positive count, not " + v.text()));
            }
            if (key.equalsIgnoreCase("N") && n == null) {
                n = v;
            } else if (key.equalsIgnoreCase("D") && d == null) {
                d = v;
            } else {
                unknown = true;
                diagnostics.add(Diagnostic.error(source.span(p.IDENT().getSymbol()), key.equalsIgnoreCase("N")
                        || key.equalsIgnoreCase("D") ? key + " is given twice" : "expected N (parameters) or D (training tokens), not '" + key + "'")
                        .withHelp("predict law for N 135m, D 2000b at int4"));
            }
        }
        Span point = span(ctx.lawPoint(0)).to(span(ctx.lawPoint(ctx.lawPoint().size() - 1)));
        if ((n == null || d == null) && !unknown) {
            diagnostics.add(Diagnostic.error(point, "a prediction needs both N (non-embedding parameters) and D (training tokens)")
                    .withHelp("predict law for N 135m, D 2000b at int4"));
        }
        LawPrecisionContext pc = ctx.lawPrecision();
        Optional<FormatName> format = pc.formatName() == null ? Optional.empty() : Optional.of(format(pc.formatName()));
        Optional<NumberLiteral> bits = pc.number() == null ? Optional.empty() : Optional.of(number(pc.number()));
        if (bits.isPresent() && !(bits.get().value() > 0 && bits.get().value() <= 64) ) {
            diagnostics.add(Diagnostic.error(bits.get().span(), "bits per weight are more than 0 and at most 64, not " + bits.get().text()));
        }
        NumberLiteral zero = new NumberLiteral("0", 0, point);
        Optional<Name> trained = ctx.word() == null ? Optional.empty() : Optional.of(name(ctx.word()));
        return new Statement.Predict(variable(ctx.variable().identifier()),
                new Statement.Predict.Point(n == null ? zero : n, d == null ? zero : d, point), trained,
                new Statement.Predict.Precision(format, bits, span(pc)), binding, at);
    }

    // ------------------------------------------------------------------ parts

    private Source source(SourceContext ctx) {
        if (ctx.MAVEN() != null) {
            Token t = ctx.mavenCoordinates().STRING().getSymbol();
            String coordinates = Strings.unquote(t.getText());
            if (coordinates.split(":", -1).length < 3 || coordinates.contains(" ")) {
                diagnostics.add(Diagnostic.error(source.span(t),
                        "Maven coordinates must read \"group:artifact:version\""));
            }
            return new Source.MavenArtifact(coordinates, source.span(t));
        }
        Token t = ctx.filePath().STRING().getSymbol();
        return new Source.FilePath(Strings.unquote(t.getText()), source.span(t));
    }

    private List<Option> options(OptionsClauseContext ctx) {
        if (ctx == null) {
            return List.of();
        }
        List<Option> options = new ArrayList<>();
        for (OptionContext o : ctx.option()) {
            Name key = name(o.optionKey());
            for (Option earlier : options) {
                if (earlier.key().text().equals(key.text())) {
                    diagnostics.add(Diagnostic.error(key.span(), "option '" + key.text() + "' given twice"));
                }
            }
            options.add(new Option(key, value(o.optionValue().value()), span(o)));
        }
        return options;
    }

    private Value value(ValueContext ctx) {
        if (ctx.number() != null) {
            return number(ctx.number());
        }
        if (ctx.STRING() != null) {
            return string(ctx.STRING());
        }
        return new Value.Word(ctx.word().getText(), span(ctx));
    }

    /** The options of sensitivity, sweep and search ({@code group 128 using gptq}): as a rule's, each kind once. */
    private List<QuantizeOption> measureOptions(List<MeasureOptionContext> clauses) {
        List<QuantizeOption> options = new ArrayList<>();
        for (MeasureOptionContext clause : clauses) {
            QuantizeOption option = option(clause.granularity(), clause.symmetry(), clause.algorithm(), clause);
            for (QuantizeOption earlier : options) {
                if (earlier.getClass() == option.getClass()) {
                    diagnostics.add(Diagnostic.error(option.span(),
                            optionKind(option) + " given twice in one statement (first as '" + text(earlier.span()) + "')"));
                }
            }
            options.add(option);
        }
        return options;
    }

    private QuantizeOption quantizeOption(QuantizeClauseContext clause) {
        if (clause.rounding() != null || clause.clipping() != null || clause.grid() != null) {
            return roundingOrClipping(clause);
        }
        return option(clause.granularity(), clause.symmetry(), clause.algorithm(), clause);
    }

    private QuantizeOption option(GranularityContext granularity, SymmetryContext symmetry, AlgorithmContext algorithm,
                                  ParserRuleContext clause) {
        if (granularity != null) {
            GranularityContext g = granularity;
            return switch (g) {
                case PerTensorContext t -> new QuantizeOption.Granularity(
                        QuantizeOption.Granularity.Kind.PER_TENSOR, Optional.empty(), span(t));
                case PerChannelContext c -> new QuantizeOption.Granularity(
                        QuantizeOption.Granularity.Kind.PER_CHANNEL, Optional.empty(), span(c));
                case GroupContext gr -> {
                    NumberLiteral size = number(gr.number());
                    if (!size.isWhole() || size.value() < 1 || size.value() > Integer.MAX_VALUE || size.isPercent()) {
                        diagnostics.add(Diagnostic.error(size.span(),
                                "a group size must be a whole number of at least 1, not " + size.text()));
                    }
                    yield new QuantizeOption.Granularity(QuantizeOption.Granularity.Kind.GROUP, Optional.of(size),
                            span(gr));
                }
                default -> throw new IllegalStateException("granularity " + g.getClass().getSimpleName());
            };
        }
        if (symmetry != null) {
            return new QuantizeOption.Symmetry(symmetry.SYMMETRIC() != null, span(clause));
        }
        AlgorithmContext a = algorithm;
        QuantizeOption.Algorithm.Kind kind = a.RTN() != null ? QuantizeOption.Algorithm.Kind.RTN
                : a.GPTQ() != null ? QuantizeOption.Algorithm.Kind.GPTQ
                : QuantizeOption.Algorithm.Kind.AWQ;
        return new QuantizeOption.Algorithm(kind, span(a));
    }

    private QuantizeOption roundingOrClipping(QuantizeClauseContext clause) {
        if (clause.rounding() != null) {
            Optional<NumberLiteral> seed = Optional.empty();
            if (clause.rounding().number() != null) {
                NumberLiteral n = number(clause.rounding().number());
                if (!n.isWhole() || n.isPercent()) {
                    diagnostics.add(Diagnostic.error(n.span(), "a seed must be a whole number, not " + n.text()));
                }
                seed = Optional.of(n);
            }
            return new QuantizeOption.StochasticRounding(seed, span(clause));
        }
        if (clause.clipping() != null) {
            ClippingContext c = clause.clipping();
            if (c.ABSMAX() != null) {
                return new QuantizeOption.Clipping(QuantizeOption.Clipping.Method.ABSMAX, Optional.empty(), span(c));
            }
            if (c.MSE() != null) {
                return new QuantizeOption.Clipping(QuantizeOption.Clipping.Method.MSE, Optional.empty(), span(c));
            }
            NumberLiteral p = number(c.number());
            double percent = p.isPercent() ? p.value() * 100 : p.value();
            if (!(percent > 0 && percent <= 100)) {
                diagnostics.add(Diagnostic.error(p.span(), "a percentile must be above 0 and at most 100, not "
                        + p.text()));
            }
            return new QuantizeOption.Clipping(QuantizeOption.Clipping.Method.PERCENTILE, Optional.of(p), span(c));
        }
        if (clause.grid() != null) {
            String g = clause.grid().word().getText();
            if (!g.equals("compressed-tensors") && !g.equals("precis")) {
                diagnostics.add(Diagnostic.error(span(clause.grid().word()), "a grid is compressed-tensors (int4: -8..7, absmax/7.5) or precis"
                        + " (int4: -7..7, absmax/7), not " + g));
            }
            return new QuantizeOption.Grid(g.equals("compressed-tensors"), span(clause.grid()));
        }
        throw new IllegalStateException("neither rounding, clipping nor grid: " + clause.getText());
    }

    private static String optionKind(QuantizeOption option) {
        return switch (option) {
            case QuantizeOption.Granularity g -> "granularity";
            case QuantizeOption.Symmetry s -> "symmetry";
            case QuantizeOption.StochasticRounding r -> "rounding";
            case QuantizeOption.Clipping c -> "clipping";
            case QuantizeOption.Algorithm a -> "algorithm";
            case QuantizeOption.Grid g -> "grid";
        };
    }

    private Optional<LayerSelection> optionalSelection(PatternListContext patterns,
                                                       List<SelectionClauseContext> clauses) {
        if (patterns == null && clauses.isEmpty()) {
            return Optional.empty();
        }
        Span first = patterns != null ? span(patterns) : span(clauses.get(0));
        return Optional.of(selection(patterns, clauses, first));
    }

    private LayerSelection selection(PatternListContext patterns, List<SelectionClauseContext> clauses, Span first) {
        List<Pattern> included = patterns == null ? List.of() : patterns(patterns);
        Optional<Predicate> where = Optional.empty();
        List<Pattern> except = new ArrayList<>();
        Span span = first;
        for (SelectionClauseContext clause : clauses) {
            span = span.to(span(clause));
            if (clause instanceof WhereContext w) {
                if (where.isPresent()) {
                    diagnostics.add(Diagnostic.error(source.span(w.WHERE().getSymbol()),
                            "'where' given twice in one statement").withHelp("Join the conditions with 'and'."));
                    continue;
                }
                where = Optional.of(predicate(w.predicate()));
            } else {
                ExceptContext e = (ExceptContext) clause;
                if (!except.isEmpty()) {
                    diagnostics.add(Diagnostic.error(source.span(e.EXCEPT().getSymbol()),
                            "'except' given twice in one statement").withHelp("List every pattern after one 'except'."));
                }
                except.addAll(patterns(e.patternList()));
            }
        }
        return new LayerSelection(included, where, except, span);
    }

    private List<Pattern> patterns(PatternListContext ctx) {
        List<Pattern> patterns = new ArrayList<>();
        for (PatternContext p : ctx.pattern()) {
            patterns.add(pattern(p));
        }
        return patterns;
    }

    private Pattern pattern(PatternContext ctx) {
        return switch (ctx) {
            case GlobContext g -> new Pattern.Glob(g.getText(), span(g));
            case QuotedGlobContext q -> {
                String text = Strings.unquote(q.STRING().getText());
                if (text.isEmpty()) {
                    diagnostics.add(Diagnostic.error(span(q), "an empty pattern matches no layer"));
                }
                yield new Pattern.Glob(text, span(q));
            }
            case RegexContext r -> {
                String regex = Strings.unquoteRegex(r.REGEX().getText());
                try {
                    java.util.regex.Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    diagnostics.add(Diagnostic.error(span(r), "invalid regular expression: "
                            + e.getDescription() + (e.getIndex() >= 0 ? " at position " + (e.getIndex() + 1) : "")));
                }
                yield new Pattern.Regex(regex, span(r));
            }
            default -> throw new IllegalStateException("pattern " + ctx.getClass().getSimpleName());
        };
    }

    private List<FormatName> formats(FormatListContext ctx) {
        if (ctx == null) {
            return List.of();
        }
        List<FormatName> formats = new ArrayList<>();
        for (FormatNameContext f : ctx.formatName()) {
            formats.add(format(f));
        }
        return formats;
    }

    private FormatName format(FormatNameContext ctx) {
        return new FormatName(ctx.getText(), span(ctx));
    }

    private Predicate predicate(PredicateContext ctx) {
        Predicate result = and(ctx.andPredicate(0));
        for (int i = 1; i < ctx.andPredicate().size(); i++) {
            Predicate right = and(ctx.andPredicate(i));
            result = new Predicate.Or(result, right, result.span().to(right.span()));
        }
        return result;
    }

    private Predicate and(AndPredicateContext ctx) {
        Predicate result = not(ctx.notPredicate(0));
        for (int i = 1; i < ctx.notPredicate().size(); i++) {
            Predicate right = not(ctx.notPredicate(i));
            result = new Predicate.And(result, right, result.span().to(right.span()));
        }
        return result;
    }

    private Predicate not(NotPredicateContext ctx) {
        return switch (ctx) {
            case NotContext n -> new Predicate.Not(not(n.notPredicate()), span(n));
            case ParenthesizedContext p -> predicate(p.predicate());
            case ComparisonContext c -> new Predicate.Comparison(operand(c.operand(0)), comparator(c.comparator()),
                    operand(c.operand(1)), span(c));
            default -> throw new IllegalStateException("predicate " + ctx.getClass().getSimpleName());
        };
    }

    private static Predicate.Comparator comparator(ComparatorContext ctx) {
        int type = ctx.getStart().getType();
        return switch (type) {
            case PrecisParser.LT -> Predicate.Comparator.LESS;
            case PrecisParser.LE -> Predicate.Comparator.LESS_OR_EQUAL;
            case PrecisParser.GT -> Predicate.Comparator.GREATER;
            case PrecisParser.GE -> Predicate.Comparator.GREATER_OR_EQUAL;
            case PrecisParser.EQ -> Predicate.Comparator.EQUAL;
            case PrecisParser.NE -> Predicate.Comparator.NOT_EQUAL;
            default -> throw new IllegalStateException("comparator " + ctx.getText());
        };
    }

    private Operand operand(OperandContext ctx) {
        return switch (ctx) {
            case FieldOperandContext f -> new Operand.FieldRef(field(f.field()), span(f));
            case NumberOperandContext n -> number(n.number());
            case StringOperandContext s -> string(s.STRING());
            case VariableOperandContext v -> variable(v.variable().identifier());
            default -> throw new IllegalStateException("operand " + ctx.getClass().getSimpleName());
        };
    }

    private static Operand.Field field(FieldContext ctx) {
        return switch (ctx.getStart().getType()) {
            case PrecisParser.SENSITIVITY -> Operand.Field.SENSITIVITY;
            case PrecisParser.PARAMS -> Operand.Field.PARAMS;
            case PrecisParser.KIND -> Operand.Field.KIND;
            case PrecisParser.NAME -> Operand.Field.NAME;
            case PrecisParser.INDEX -> Operand.Field.INDEX;
            default -> throw new IllegalStateException("field " + ctx.getText());
        };
    }

    private Subject subject(SubjectContext ctx) {
        return ctx.PLAN() != null ? new Subject.CurrentPlan(span(ctx)) : variable(ctx.variable().identifier());
    }

    private NumberLiteral number(NumberContext ctx) {
        Token t = ctx.NUMBER().getSymbol();
        NumberLiteral n = NumberLiteral.parse(t.getText(), source.span(t));
        if (n == null) {
            diagnostics.add(Diagnostic.error(source.span(t), "invalid number '" + t.getText() + "'")
                    .withHelp("It is too large."));
            return new NumberLiteral(t.getText(), 0, source.span(t));
        }
        return n;
    }

    private StringLiteral string(TerminalNode node) {
        return new StringLiteral(Strings.unquote(node.getText()), source.span(node.getSymbol()));
    }

    private Variable variable(IdentifierContext ctx) {
        return new Variable(ctx.getText(), span(ctx));
    }

    private Name name(BindingNameContext ctx) {
        return new Name(ctx.getText(), span(ctx));
    }

    private Name name(ParserRuleContext ctx) {
        return new Name(ctx.getText(), span(ctx));
    }

    private Span span(ParserRuleContext ctx) {
        return source.span(ctx);
    }

    private String text(Span span) {
        return source.text().substring(span.start(), span.end());
    }
}
