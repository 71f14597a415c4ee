package io.precis.language;

import io.precis.dsl.DslParser;
import io.precis.dsl.ParseResult;
import io.precis.dsl.ast.Node;
import io.precis.dsl.ast.Option;
import io.precis.dsl.ast.Pattern;
import io.precis.dsl.ast.Source;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.Subject;
import io.precis.dsl.ast.Value;
import io.precis.dsl.ast.Variable;
import io.precis.dsl.diagnostic.Suggest;
import io.precis.engine.data.Dataset;
import io.precis.engine.data.Datasets;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.Models;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Rule;
import io.precis.dsl.AstPrinter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the language's statements in the JVM that runs Java cells, against one {@link PrecisSession}. A cell
 * arrives once ({@link #receiveCell}: its text, parsed here, and the Java names each statement reads, found
 * by the kernel); then its statements run in order ({@link #runStatements}, up to each {@code as name} at a
 * time) with the values of those names, read by the kernel's Java snippet when they run. The data path is described in
 * {@code docs/ARCHITECTURE.md}.
 */
public final class CellRuntime {

    private static final Map<String, ParseResult> PARSED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ParseResult> eldest) {
            return size() > 32;
        }
    };

    /** Warnings one cell shows at most (a long cell of patterns that match nothing would flood the notebook). */
    static final int MAX_WARNINGS = 20;

    private final PrecisSession session;
    private CellText cell;
    private int warnings;
    private List<Statement> statements = List.of();

    public CellRuntime(PrecisSession session) {
        this.session = session;
    }

    public PrecisSession session() {
        return session;
    }

    /** Cells longer than this are parsed each time they arrive, not cached (the cache holds small, rerun cells). */
    private static final int CACHED_CHARS = 64 * 1024;

    /** The cell whose statements come next; parsed once per distinct text (a rerun finds it cached). */
    public synchronized void receiveCell(CellText cell) {
        ParseResult parsed;
        if (cell.source().length() > CACHED_CHARS) {
            parsed = DslParser.parse(cell.source());
        } else {
            synchronized (PARSED) {
                parsed = PARSED.computeIfAbsent(cell.source(), DslParser::parse);
            }
        }
        if (parsed.hasErrors()) {
            throw new PrecisError(parsed.formatDiagnostics());
        }
        this.cell = cell;
        this.statements = parsed.program().statements();
        this.warnings = 0;
    }

    /** The session's output, with at most {@link #MAX_WARNINGS} warnings per cell. */
    private Output output() {
        Output out = session.output();
        return new Output() {
            @Override
            public void show(Object value) {
                out.show(value);
            }

            @Override
            public void text(String line) {
                out.text(line);
            }

            @Override
            public void warn(String message) {
                int n = ++warnings;
                if (n <= MAX_WARNINGS) {
                    out.warn(message);
                } else if (n == MAX_WARNINGS + 1) {
                    out.warn("(more warnings of this cell are not shown)");
                }
            }

            @Override
            public Progress progress(String task, long total) {
                return out.progress(task, total);
            }
        };
    }

    /**
     * Runs statements {@code from..to-1} of the cell received last, in order. {@code values} are the Java values
     * of {@link CellText#names(int, int)} of that range, in that order (null where no Java variable of that name
     * exists); {@code javaNames} the session's Java variable names, for suggestions (null when not needed).
     *
     * @return the last statement's result (what {@code as name} binds), or null
     */
    public synchronized Object runStatements(int from, int to, Object[] values, String[] javaNames) {
        if (cell == null || from < 0 || to > statements.size() || from >= to) {
            throw new IllegalArgumentException("statements " + from + ".." + to + " of a cell with " + statements.size());
        }
        List<String> names = cell.names(from, to);
        Map<String, Object> vars = new HashMap<>();
        for (int i = 0; i < names.size() && i < values.length; i++) {
            vars.put(names.get(i), values[i]);
        }
        List<String> javaNameList = javaNames == null ? List.of() : List.of(javaNames);
        Object result = null;
        Output out = output();
        for (int index = from; index < to; index++) {
            Statement st = statements.get(index);
            if (index > from && Thread.interrupted()) {
                throw new PrecisError("line " + st.span().line() + ": the cell was interrupted before this statement");
            }
            if (index == 0) {
                session.beginCell(cell.cellId());
            }
            Run run = new Run(session, cell.source(), vars, javaNameList, out);
            try {
                result = run.statement(st);
                if (st.binding().isPresent()) {
                    session.bind(st.binding().get().text(), result, st instanceof Statement.Search ? session.frontier().orElse(null) : null);
                }
            } catch (PrecisError | io.precis.engine.analysis.AnalysisInterruptedException e) {
                throw e;
            } catch (RuntimeException e) {
                // Every precondition is checked where the statement reads it; should one slip through, the user
                // still gets the statement's line and the reason, not the runtime's stack.
                throw run.compiler.error(st, "this statement could not run: " + reason(e));
            }
        }
        return result;
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /**
     * The rules a cell's {@code quantize} and {@code keep} statements make, without running anything else or
     * touching the session (for tools, tests and benchmarks). {@code variables}: Java values by name.
     */
    public static List<Rule> rules(String source, Map<String, Object> variables) {
        ParseResult parsed = DslParser.parse(source);
        if (parsed.hasErrors()) {
            throw new PrecisError(parsed.formatDiagnostics());
        }
        Compiler compiler = new Compiler(source, variables);
        List<Rule> rules = new ArrayList<>();
        for (Statement st : parsed.program().statements()) {
            if (st instanceof Statement.Quantize || st instanceof Statement.Keep) {
                rules.add(rule(st, compiler, "rule " + (rules.size() + 1) + " (line " + st.span().line() + "): " + AstPrinter.print(st), 0));
            }
        }
        return rules;
    }

    /** A quantize or keep statement as a rule. */
    private static Rule rule(Statement st, Compiler compiler, String label, long seed) {
        io.precis.dsl.ast.LayerSelection sel;
        Rule rule;
        if (st instanceof Statement.Quantize q) {
            sel = q.layers();
            io.precis.engine.format.Format format = compiler.format(q, seed);
            rule = Rule.quantize(label, compiler.patterns(sel.patterns()), format).using(compiler.algorithm(q, format));
        } else {
            sel = ((Statement.Keep) st).layers();
            rule = Rule.keep(label, compiler.patterns(sel.patterns()));
        }
        rule = rule.except(compiler.patterns(sel.except()));
        if (sel.where().isPresent()) {
            Compiler.Condition c = compiler.condition(sel.where().get());
            rule = rule.where(c.test(), c.namedKinds());
        }
        return rule;
    }

    /** Names the kernel completes and inspects: "layers" of the model in use, "models", "datasets". */
    public List<String> names(String what) {
        PrecisSession s = session;
        return switch (what) {
            case "layers" -> s.model().map(m -> m.layers().stream().map(LayerRef::name).toList()).orElse(List.of());
            case "models" -> List.copyOf(s.models().keySet());
            case "datasets" -> List.copyOf(s.datasets().keySet());
            default -> List.of();
        };
    }

    /** One layer of the model in use, as a row of the layer table, or null. */
    public String describeLayer(String name) {
        return session.model().flatMap(m -> m.layers().stream().filter(l -> l.name().equals(name)).findFirst())
                .map(l -> new LayerTable(session.modelName().orElse(""), List.of(l)).toText()).orElse(null);
    }

    /** One statement's execution. */
    static final class Run {
        private final PrecisSession session;
        private final String source;
        private final Map<String, Object> vars;
        private final List<String> javaNames;
        private final Output out;
        private final Compiler compiler;

        Run(PrecisSession session, String source, Map<String, Object> vars, List<String> javaNames, Output out) {
            this.session = session;
            this.source = source;
            this.vars = vars;
            this.javaNames = javaNames;
            this.out = out;
            this.compiler = new Compiler(source, vars);
        }

        /** Runs one statement: {@link Statements#of} says which method does it. */
        Object statement(Statement st) {
            return Statements.of(st).run().apply(this);
        }

        Compiler compiler() {
            return compiler;
        }

        Measurements.Context context() {
            return new Measurements.Context(session, compiler, out, this::subject, this::requireModel, this::planOf, this::analysis,
                    (plan, at) -> checkPlanFits(plan, requireModel(at), at));
        }

        // ---- load, use, set ----

        Model loadModel(Statement.LoadModel l) {
            LoadOptions options = loadOptions(l.options());
            String name;
            Model model;
            try {
                if (l.source() instanceof Source.MavenArtifact a) {
                    model = Models.loadFromMaven(a.coordinates(), options);
                    String[] parts = a.coordinates().split(":");
                    name = l.binding().map(n -> n.text()).orElse(identifier(parts.length > 1 ? parts[1] : a.coordinates()));
                } else {
                    Path p = Path.of(((Source.FilePath) l.source()).path());
                    model = Models.load(p, options);
                    String file = p.getFileName().toString();
                    name = l.binding().map(n -> n.text()).orElse(identifier(file.contains(".") ? file.substring(0, file.lastIndexOf('.')) : file));
                }
            } catch (ModelException | IllegalArgumentException | java.io.UncheckedIOException e) {
                throw compiler.error(l.source(), e.getMessage());
            } catch (RuntimeException e) {
                throw compiler.error(l.source(), "cannot load this model: " + reason(e));
            }
            l.engine().ifPresent(engine -> checkEngine(engine.text(), model, l));
            session.addModel(name, model);
            long linear = model.layers().stream().filter(x -> x.kind() == io.precis.engine.model.LayerKind.LINEAR).count();
            out.text(String.format(Locale.ROOT, "Loaded %s: %s on %s, %d layers (%d linear), %,d parameters.", name, model.engine(),
                    model.device(), model.layers().size(), linear, model.params()));
            return model;
        }

        private void checkEngine(String engine, Model model, Statement.LoadModel l) {
            String e = engine.toLowerCase(Locale.ROOT);
            String actual = model.engine().toLowerCase(Locale.ROOT);
            boolean ok = (e.contains("onnx") && actual.contains("onnx")) || ((e.contains("torch") || e.equals("pytorch")) && actual.contains("torch"))
                    || (e.equals("djl") && (actual.contains("torch") || actual.contains("djl")));
            if (!ok) {
                throw compiler.error(l.engine().get(), "this model runs on " + model.engine() + ", not " + engine);
            }
        }

        private LoadOptions loadOptions(List<Option> options) {
            String device = session.settings().get("device");
            for (Option o : options) {
                String key = o.key().text().toLowerCase(Locale.ROOT);
                if (key.equals("device")) {
                    device = text(o.value());
                } else {
                    throw compiler.error(o.key().span(), "unknown option '" + o.key().text() + "' for a model",
                            Suggest.closest(key, List.of("device")), "Options: device");
                }
            }
            try {
                return LoadOptions.defaults().device(device);
            } catch (IllegalArgumentException e) {
                throw compiler.error(options.get(0).span(), e.getMessage(), Optional.empty());
            }
        }

        Dataset loadDataset(Statement.LoadDataset l) {
            if (!(l.source() instanceof Source.FilePath fp)) {
                throw compiler.error(l.source(), "data comes from a file (\"sentences.txt\") or \"fashion-mnist:test\", not a Maven artifact");
            }
            // Each option is range-checked by the engine's DataOptions; its message points at the option.
            io.precis.engine.data.DataOptions opts = io.precis.engine.data.DataOptions.defaults();
            for (Option o : l.options()) {
                String key = o.key().text().toLowerCase(Locale.ROOT);
                try {
                    switch (key) {
                        case "kind" -> opts = opts.kind(text(o.value()));
                        case "limit" -> opts = opts.limit(number(o.value(), o));
                        default -> throw compiler.error(o.key().span(), "unknown option '" + o.key().text() + "' for data",
                                Suggest.closest(key, List.of("kind", "limit")), "Options: kind (sentences, text), limit");
                    }
                } catch (ModelException e) {
                    throw compiler.error(o, e.getMessage());
                }
            }
            // a causal language model reads a text as one token stream: its data is a text unless the options say otherwise
            if (l.options().stream().noneMatch(o -> o.key().text().equalsIgnoreCase("kind"))
                    && session.model().map(m -> m.task() == io.precis.engine.model.ModelTask.LANGUAGE_MODEL).orElse(false)) {
                opts = opts.kind(io.precis.engine.data.DataOptions.TEXT);
            }
            String path = fp.path();
            Dataset data;
            String name;
            try {
                if (path.toLowerCase(Locale.ROOT).startsWith("fashion-mnist")) {
                    String part = path.contains(":") ? path.substring(path.indexOf(':') + 1) : "test";
                    data = Datasets.fashionMnist(part);
                    name = "fashion_mnist_" + part;
                } else {
                    Path p = Path.of(path);
                    String file = p.getFileName() == null ? path : p.getFileName().toString();
                    name = identifier(file.contains(".") ? file.substring(0, file.lastIndexOf('.')) : file);
                    data = Datasets.load(p, opts);
                }
            } catch (ModelException | IllegalArgumentException | java.io.UncheckedIOException e) {
                throw compiler.error(fp, e.getMessage());
            }
            name = l.binding().map(n -> n.text()).orElse(name);
            session.addDataset(name, data);
            out.text("Loaded " + name + ": " + data + ".");
            return data;
        }

        Object use(Statement.Use u) {
            String modelName = resolveName(u.model(), session.models().keySet(), "model");
            Model model = session.models().get(modelName);
            Object mv = vars.get(u.model().name());
            if (mv instanceof Model m) {
                model = m;
                modelName = u.model().name();
                session.addModel(modelName, m);
            }
            if (model == null) {
                throw compiler.error(u.model(), "'" + u.model().name() + "' is not a model");
            }
            String dataName = null;
            if (u.dataset().isPresent()) {
                Variable dv = u.dataset().get();
                Object dval = vars.get(dv.name());
                if (dval instanceof Dataset d) {
                    session.addDataset(dv.name(), d);
                    dataName = dv.name();
                } else if (dval != null) {
                    throw compiler.error(dv, "variable " + dv.name() + " is a " + dval.getClass().getSimpleName() + ", not data");
                } else {
                    dataName = resolveName(dv, session.datasets().keySet(), "dataset");
                }
            } else {
                dataName = session.datasetName().orElse(null);
            }
            session.use(modelName, dataName);
            if (dataName != null) {
                try {
                    session.analysis(); // checks the data fits the model now, not at the first analysis
                } catch (RuntimeException e) {
                    session.use(modelName, null);
                    throw compiler.error(u.dataset().map(d -> (Node) d).orElse(u), e.getMessage());
                }
            }
            out.text("Using " + modelName + (dataName == null ? " (no data yet: 'use " + modelName + " on DATASET')"
                    : " on " + dataName + " (" + session.samples() + " samples at most, seed " + session.seed() + ")") + ".");
            return null;
        }

        private String resolveName(Variable v, Set<String> known, String what) {
            if (known.contains(v.name()) || vars.get(v.name()) != null) {
                return v.name();
            }
            Set<String> candidates = new LinkedHashSet<>(known);
            candidates.addAll(javaNames);
            throw compiler.error(v.span(), "unknown " + what + " '" + v.name() + "'", Suggest.closest(v.name(), candidates),
                    known.isEmpty() ? "No " + what + " is loaded yet: 'load " + what + " ...' first"
                            : "Loaded: " + String.join(", ", known));
        }

        private static final List<String> SETTINGS = io.precis.dsl.Language.settingNames();

        Object setting(Statement.Setting s) {
            String key = s.name().text().toLowerCase(Locale.ROOT);
            String value;
            switch (key) {
                case "seed" -> value = Long.toString(wholeNumber(s.value(), "seed", Long.MIN_VALUE, Long.MAX_VALUE,
                        "a seed is a whole number, e.g. set seed 42"));
                case "samples" -> value = Long.toString(wholeNumber(s.value(), "samples", 1, MAX_SAMPLES,
                        "samples is how many samples an analysis reads, a whole number from 1 to " + MAX_SAMPLES + ", e.g. set samples 256"));
                case "context" -> value = Long.toString(wholeNumber(s.value(), "context", 2, MAX_CONTEXT,
                        "context is how many tokens a language model reads per window, a whole number from 2 to " + MAX_CONTEXT
                                + ", e.g. set context 256"));
                case "device" -> {
                    value = text(s.value()).toLowerCase(Locale.ROOT);
                    if (!value.equals("cpu") && !value.equals("gpu")) {
                        throw compiler.error(s.value(), "device is cpu or gpu, not " + value);
                    }
                }
                case "cluster" -> {
                    value = text(s.value());
                    try {
                        session.cluster(Clusters.connect(value));
                    } catch (IllegalArgumentException e) {
                        throw compiler.error(s.value(), e.getMessage());
                    }
                }
                case "metric" -> {
                    value = text(s.value()).toLowerCase(Locale.ROOT);
                    List<String> metrics = io.precis.dsl.Language.METRICS;
                    if (value.equals("perplexity")) {
                        throw compiler.error(s.value(), "perplexity is exp(loss), so it ranks layers as loss does; 'set metric loss'"
                                + " measures the change of loss (nats/token), and evaluate shows perplexity beside it");
                    }
                    if (!metrics.contains(value)) {
                        throw compiler.error(s.value().span(), "unknown metric '" + value + "'", Suggest.closest(value, metrics),
                                "Metrics: " + String.join(", ", metrics));
                    }
                }
                case "calibration" -> {
                    double n = number(s.value(), s);
                    if (n < 1 || n != Math.rint(n)) {
                        throw compiler.error(s.value(), "calibration is a positive whole number of samples");
                    }
                    value = Integer.toString((int) n);
                }
                case "sequential" -> {
                    value = text(s.value()).toLowerCase(Locale.ROOT);
                    if (!value.equals("yes") && !value.equals("no")) {
                        throw compiler.error(s.value(), "sequential is yes or no, not " + value);
                    }
                }
                default -> throw compiler.error(s.name().span(), "unknown setting '" + s.name().text() + "'",
                        Suggest.closest(key, SETTINGS), "Settings: " + String.join(", ", SETTINGS));
            }
            session.set(key, value);
            out.text("set " + key + " " + value);
            return null;
        }

        // ---- rules ----

        Rule quantize(Statement.Quantize q) {
            Rule rule = rule(q, compiler, label(q), session.seed());
            session.addRule(rule, q.layers().where().map(Statements::readsSensitivity).orElse(false));
            warnUnmatched(q.layers().patterns());
            return rule;
        }

        Rule keep(Statement.Keep k) {
            if (k.layers().where().map(Statements::readsSensitivity).orElse(false)) {
                throw compiler.error(k.layers().where().get().span(), "keep chooses layers by name, kind, params or index, not by sensitivity",
                        Optional.empty(), "A sensitivity belongs to a format: 'quantize PATTERN to FORMAT where sensitivity < X' quantizes "
                                + "only the layers that take FORMAT well, and keeps the rest");
            }
            Rule rule = rule(k, compiler, label(k), session.seed());
            session.addRule(rule);
            warnUnmatched(k.layers().patterns());
            return rule;
        }

        String label(Statement s) {
            return "rule " + session.nextRuleNumber() + " (line " + s.span().line() + "): " + AstPrinter.print(s);
        }

        /** A pattern that matches no layer of the model in use is reported with the closest names (the rule stays). */
        void warnUnmatched(List<Pattern> patterns) {
            Optional<Model> model = session.model();
            if (model.isEmpty()) {
                return;
            }
            List<String> names = model.get().layers().stream().map(LayerRef::name).toList();
            List<LayerPattern> compiled = compiler.patterns(patterns);
            for (int i = 0; i < patterns.size(); i++) {
                LayerPattern p = compiled.get(i);
                if (names.stream().noneMatch(p::matches)) {
                    out.warn(io.precis.dsl.diagnostic.Diagnostics.format(source,
                            io.precis.dsl.diagnostic.Diagnostic.warning(patterns.get(i).span(),
                                    "pattern '" + patterns.get(i).text() + "' matches no layer of " + session.modelName().orElse("the model"))
                                    .withHelp("Closest: " + String.join(", ", closestLayers(patterns.get(i).text(), names)))));
                }
            }
        }

        /** Layers whose name (or a dotted suffix of it) starts most like the pattern's literal text. */
        private static List<String> closestLayers(String pattern, List<String> names) {
            String word = pattern.replaceAll("[*?]|\\[[^]]*]", "");
            return names.stream()
                    .sorted(java.util.Comparator.comparingInt((String n) -> likeness(word, n)).thenComparing(n -> n))
                    .limit(3).toList();
        }

        private static int likeness(String word, String name) {
            int best = prefixDistance(word, name);
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                best = Math.min(best, prefixDistance(word, name.substring(dot + 1)));
            }
            return best;
        }

        private static int prefixDistance(String word, String candidate) {
            return Suggest.distance(word, candidate.substring(0, Math.min(candidate.length(), word.length())));
        }

        // ---- show, evaluate ----

        LayerTable showLayers(Statement.ShowLayers s) {
            Model m = requireModel(s);
            List<LayerRef> layers = m.layers();
            if (s.layers().isPresent()) {
                io.precis.dsl.ast.LayerSelection sel = s.layers().get();
                if (sel.where().map(Statements::readsSensitivity).orElse(false)) {
                    throw compiler.error(sel.where().get().span(), "show layers chooses layers by name, kind, params or index, not by sensitivity",
                            Optional.empty(), "A sensitivity belongs to a layer and a format: run 'sensitivity' to see them");
                }
                Rule filter = Rule.quantize("show", compiler.patternsOrAll(sel), io.precis.engine.format.Formats.int8())
                        .except(compiler.patterns(sel.except()));
                Compiler.Condition c = sel.where().map(compiler::condition).orElse(null);
                List<LayerRef> kept = new ArrayList<>();
                for (int i = 0; i < layers.size(); i++) {
                    LayerRef l = layers.get(i);
                    if (filter.covers(l.name()) && (c == null
                            || c.test().test(new io.precis.engine.plan.Candidate(l, i, null, io.precis.engine.plan.SensitivityLookup.NONE)))) {
                        kept.add(l);
                    }
                }
                layers = kept;
            }
            LayerTable table = new LayerTable(session.modelName().orElse(m.name()), layers);
            out.show(table);
            return table;
        }

        Plan showPlan(Statement.ShowPlan s) {
            Plan plan = currentPlan(s);
            out.show(plan);
            return plan;
        }

        PlanEvaluation evaluate(Statement.Evaluate e) {
            io.precis.engine.analysis.Analysis a = analysis(e);
            Plan plan = e.subject().map(this::planOf).orElseGet(() -> currentPlan(e));
            checkPlanFits(plan, a.model(), e);
            if (plan.needsCalibration()) {
                PlanEvaluation calibrated = evaluateCalibrated(e, plan);
                out.show(calibrated);
                return calibrated;
            }
            PlanEvaluation result;
            try {
                result = Measurements.interruptible(out, () -> a.evaluate(plan));
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException | ModelException ex) {
                throw compiler.error(e, "cannot evaluate this plan: " + ex.getMessage());
            }
            out.show(result);
            return result;
        }

        /** A plan with GPTQ/AWQ layers: calibrated on the session's calibration data, evaluated on held-out data. */
        private PlanEvaluation evaluateCalibrated(Statement.Evaluate e, Plan plan) {
            io.precis.engine.analysis.Analysis a;
            io.precis.engine.calib.Calibration cal;
            try {
                a = session.analysis(true);
                cal = session.calibration();
            } catch (ModelException | IllegalArgumentException ex) {
                throw compiler.error(e, ex.getMessage());
            }
            try {
                return Measurements.interruptible(out, () -> a.evaluate(plan, cal));
            } catch (ModelException | UnsupportedOperationException | IllegalArgumentException ex) {
                throw compiler.error(e, "cannot calibrate: " + ex.getMessage());
            }
        }

        /** {@code calibrate on d}: GPTQ and AWQ read their statistics from d; the data in use is then evaluated whole. */
        Object calibrate(Statement.Calibrate c) {
            Variable dv = c.dataset();
            String name;
            if (vars.get(dv.name()) instanceof Dataset d) {
                session.addCalibrationDataset(dv.name(), d);
                name = dv.name();
            } else if (vars.get(dv.name()) != null) {
                throw compiler.error(dv, "variable " + dv.name() + " is a " + vars.get(dv.name()).getClass().getSimpleName() + ", not data");
            } else {
                name = resolveName(dv, session.datasets().keySet(), "dataset");
            }
            session.calibrateOn(name);
            Dataset d = session.datasets().get(name);
            out.text("Calibrating GPTQ and AWQ on " + name + " (" + d.description() + ", " + session.calibrationSamples()
                    + " samples at most, seed " + session.seed() + ")" + (session.datasetName().filter(name::equals).isPresent()
                    ? "; it is also the data in use, so evaluations will warn that calibration and evaluation overlap" : "") + ".");
            return null;
        }

        /**
         * The analysis of the model and data in use, for a statement that measures: no model, no data, or data
         * that does not fit the model are errors at the statement, each saying what to do.
         */
        io.precis.engine.analysis.Analysis analysis(Node at) {
            requireModel(at);
            String model = session.modelName().orElse("MODEL");
            if (session.dataset().isEmpty()) {
                String what = at instanceof Statement st ? keyword(st) : "this";
                throw compiler.error(at.span(), what + " needs data, and " + model + " has none", Optional.empty(),
                        "Give it data: 'load dataset \"FILE\" as calib' then 'use " + model + " on calib'");
            }
            try {
                return session.analysis();
            } catch (ModelException | IllegalArgumentException | IllegalStateException ex) {
                throw compiler.error(at.span(), ex.getMessage(), Optional.empty(),
                        "Choose other data or another metric ('set metric ...'), then 'use " + model + " on DATASET'");
            }
        }

        /**
         * The plan the session's rules give the model in use. A rule that reads {@code sensitivity} needs data;
         * without it the statement that asks for the plan says which rule, and what to do.
         */
        Plan currentPlan(Node at) {
            requireModel(at);
            if (session.dataset().isEmpty()) {
                Optional<Rule> reads = session.rulesReadingSensitivity().stream().findFirst();
                if (reads.isPresent()) {
                    String model = session.modelName().orElse("MODEL");
                    throw compiler.error(at.span(), "the plan needs sensitivities, and " + model + " has no data to measure them: "
                            + reads.get().label(), Optional.empty(),
                            "Give it data ('use " + model + " on DATASET'), or run that rule's cell again without 'where sensitivity'");
                }
            }
            try {
                return Measurements.interruptible(out, session::plan);
            } catch (ModelException | IllegalArgumentException | IllegalStateException ex) {
                throw compiler.error(at, "cannot make the plan: " + ex.getMessage());
            }
        }

        /** A plan made for another model cannot be evaluated or exported with this one. */
        void checkPlanFits(Plan plan, Model model, Node at) {
            Set<String> names = new java.util.HashSet<>();
            model.layers().forEach(l -> names.add(l.name()));
            for (io.precis.engine.plan.LayerPlan l : plan.layers()) {
                if (!names.contains(l.name())) {
                    throw compiler.error(at.span(), "this plan is for another model: " + session.modelName().orElse("the model in use")
                            + " has no layer '" + l.name() + "'", Optional.empty(),
                            "'use MODEL' with the model the plan was made for, or make the plan again ('show plan as NAME')");
                }
            }
        }

        Plan planOf(Subject s) {
            Object o = subject(s);
            if (o instanceof Plan p) {
                return p;
            }
            if (o instanceof io.precis.engine.analysis.Frontier f) {
                return f.plan();
            }
            throw compiler.error(s, "a plan is needed here; " + describe(s) + " is a " + o.getClass().getSimpleName());
        }

        /** What a subject refers to: the current plan, the last sensitivity table, or a variable's value. */
        Object subject(Subject s) {
            return switch (s) {
                case Subject.CurrentPlan p -> currentPlan(p);
                case Subject.CurrentSensitivity c -> session.lastSensitivity().orElseThrow(() ->
                        compiler.error(c, "no sensitivity measured yet: run 'sensitivity' first"));
                case Variable v -> {
                    Object o = vars.get(v.name());
                    if (o == null) {
                        Set<String> candidates = new LinkedHashSet<>(javaNames);
                        throw compiler.error(v.span(), "unknown variable '" + v.name() + "'", Suggest.closest(v.name(), candidates),
                                "Name results with 'as NAME' (e.g. search budget 4.5 bits as best)");
                    }
                    yield o;
                }
            };
        }

        private String describe(Subject s) {
            return switch (s) {
                case Variable v -> v.name();
                case Subject.CurrentPlan p -> "plan";
                case Subject.CurrentSensitivity c -> "sensitivity";
            };
        }

        Model requireModel(Node at) {
            return session.model().orElseThrow(() -> compiler.error(at.span(), (at instanceof Statement st ? keyword(st) : "this")
                    + " needs a model, and none is in use", Optional.empty(), session.models().isEmpty()
                    ? "Load one first: 'load model \"FILE\" as NAME' (or load model maven \"G:A:V\")"
                    : "Choose one: 'use " + String.join("' or 'use ", session.models().keySet()) + "'"));
        }

        /** A statement's first words as the user wrote them ("show plan", "export"), for messages. */
        private String keyword(Statement st) {
            String text = source.substring(st.span().start(), Math.min(source.length(), st.span().end())).strip();
            String[] words = text.split("\\s+", 3);
            boolean two = words.length > 1 && (words[0].equalsIgnoreCase("show") || words[0].equalsIgnoreCase("search"));
            return two ? words[0] + " " + words[1] : words[0];
        }

        // ---- values ----

        private double number(Value v, Node at) {
            if (v instanceof io.precis.dsl.ast.NumberLiteral n) {
                return n.value();
            }
            throw compiler.error(at, "a number is needed here, not " + text(v));
        }

        /** A whole number in {@code min..max}, or an error at the value naming what it is for and the range. */
        private long wholeNumber(Value v, String what, long min, long max, String help) {
            if (!(v instanceof io.precis.dsl.ast.NumberLiteral n)) {
                throw compiler.error(v.span(), what + " is a number, not '" + text(v) + "'", Optional.empty(), help);
            }
            double d = n.value();
            if (n.isPercent() || d != Math.rint(d) || Double.isInfinite(d) || d < min || d > max) {
                throw compiler.error(v.span(), what + " is a whole number from " + String.format(Locale.ROOT, "%,d", min)
                        + (max == Long.MAX_VALUE ? "" : " to " + String.format(Locale.ROOT, "%,d", max)) + ", not " + n.text(),
                        Optional.empty(), help);
            }
            return (long) d;
        }

        /** The most samples an analysis may read: more would not fit any dataset in memory. */
        static final long MAX_SAMPLES = 1_000_000;
        /** Longest window {@code set context} takes (tokens): far beyond the models here, short of memory trouble in the parser. */
        static final long MAX_CONTEXT = 1 << 20;

        private static String text(Value v) {
            return switch (v) {
                case io.precis.dsl.ast.NumberLiteral n -> n.text();
                case io.precis.dsl.ast.StringLiteral s -> s.value();
                case Value.Word w -> w.text();
            };
        }

        private static String identifier(String s) {
            String id = s.replaceAll("[^A-Za-z0-9_]", "_");
            return Character.isJavaIdentifierStart(id.charAt(0)) ? id : "_" + id;
        }
    }
}
