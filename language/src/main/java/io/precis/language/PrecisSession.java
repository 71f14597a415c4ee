package io.precis.language;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.Frontier;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Dataset;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The state the language keeps between cells, in the JVM that runs them: models and datasets by name, the
 * model and data in use, the plan's rules in order, and settings. Java cells reach it too:
 * {@code PrecisSession.current().plan()}.
 */
public final class PrecisSession {

    private static final PrecisSession CURRENT = new PrecisSession();

    /** The session of this JVM. */
    public static PrecisSession current() {
        return CURRENT;
    }

    /**
     * Rules with the cell that made them (re-running a cell replaces its rules where they stood), and whether
     * their condition reads sensitivity (measured for all their layers at once, under one progress bar).
     */
    private record CellRule(String cell, Rule rule, boolean readsSensitivity) {}

    private final Map<String, Model> models = new LinkedHashMap<>();
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();
    /**
     * The rules in order: {@code rules}, then {@code after}. While a cell that ran before runs again, its old
     * rules are gone and the rules that stood after them wait in {@code after}, so its new rules are appended
     * where the old ones stood (each in constant time, whatever the number of rules).
     */
    private final List<CellRule> rules = new ArrayList<>();
    private final List<CellRule> after = new ArrayList<>();
    /** Texts of the rules made without a cell identity (a console), so that one is not added twice. */
    private final Set<String> cellLess = new HashSet<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private String modelName;
    private String datasetName;
    private Analysis analysis;
    private SensitivityLookup sensitivity;
    private SensitivityTable lastSensitivity;
    private Frontier lastFrontier;
    private final Map<String, Bound> bound = new LinkedHashMap<>();
    private int ruleCounter;
    private volatile Output output = Output.PLAIN;

    /** A fresh session (tests, the cell test kit); the execution JVM uses {@link #current()}. */
    public PrecisSession() {
        for (io.precis.dsl.Language.Setting s : io.precis.dsl.Language.SETTINGS) {
            settings.put(s.name(), s.defaultValue());
        }
    }

    /** Where statements show results; the kernel installs rich displays when the execution JVM starts. */
    public Output output() {
        return output;
    }

    public void output(Output out) {
        output = out == null ? Output.PLAIN : out;
    }

    // ---- models and data ----

    synchronized void addModel(String name, Model model) {
        Model old = models.put(name, model);
        if (old != null && old != model && !models.containsValue(old)) {
            old.close();
        }
        if (modelName == null || modelName.equals(name)) {
            use(name, datasetName);
        }
    }

    synchronized void addDataset(String name, Dataset data) {
        datasets.put(name, data);
        if (datasetName == null || datasetName.equals(name)) {
            datasetName = name;
            forgetAnalysis();
        }
    }

    /** Makes a model (and optionally data) the ones every analysis uses. */
    synchronized void use(String model, String dataset) {
        this.modelName = model;
        this.datasetName = dataset;
        forgetAnalysis();
    }

    /** The cluster analyses measure on ({@code set cluster}), or null for this JVM; the previous one is stopped. */
    private io.precis.engine.analysis.Cluster cluster;

    synchronized void cluster(io.precis.engine.analysis.Cluster c) {
        if (cluster != null && cluster != c) cluster.close();
        cluster = c;
        forgetAnalysis();
    }

    public synchronized java.util.Optional<io.precis.engine.analysis.Cluster> cluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    private void forgetAnalysis() {
        analysis = null;
        sensitivity = null;
    }

    public synchronized Map<String, Model> models() {
        return Map.copyOf(models);
    }

    public synchronized Map<String, Dataset> datasets() {
        return Map.copyOf(datasets);
    }

    /** The model in use, if any. */
    public synchronized Optional<Model> model() {
        return Optional.ofNullable(modelName == null ? null : models.get(modelName));
    }

    public synchronized Optional<String> modelName() {
        return Optional.ofNullable(modelName);
    }

    public synchronized Optional<Dataset> dataset() {
        return Optional.ofNullable(datasetName == null ? null : datasets.get(datasetName));
    }

    public synchronized Optional<String> datasetName() {
        return Optional.ofNullable(datasetName);
    }

    /**
     * The analysis of the model on the data in use, with the session's metric, samples and seed; its
     * full-precision outputs are computed once and sensitivities are cached (memory and disk).
     */
    public synchronized Analysis analysis() {
        return analysis(splitsData());
    }

    /**
     * The analysis on the data in use, or ({@code heldOut}, when no {@code calibrate on} names other data) on the part
     * of it that calibration does not use.
     */
    synchronized Analysis analysis(boolean heldOut) {
        heldOut &= calibrationName == null;
        if (analysis != null && analysisHeldOut != heldOut) {
            forgetAnalysis();
        }
        if (analysis == null) {
            Model m = model().orElseThrow(() -> new IllegalStateException("no model in use"));
            Dataset d = dataset().orElseThrow(() -> new IllegalStateException("no data in use: 'use MODEL on DATASET' first"));
            if (heldOut) {
                d = split().evaluation();
            }
            if (d instanceof io.precis.engine.data.TextCorpus t && setExplicitly.contains("context")) {
                d = t.withContext(Integer.parseInt(settings.get("context")));
            }
            analysisHeldOut = heldOut;
            Analysis a = Analysis.of(m, d).samples(samples()).seed(seed()).progress(new ProgressBars(this::output));
            String metric = settings.get("metric");
            analysis = metric.equals("default") ? a : a.metric(metric.replace('_', '-'));
            if (cluster != null) analysis = analysis.cluster(cluster);
        }
        return analysis;
    }

    /** Sensitivities for {@code where sensitivity < x}: measured on demand, or none without data. */
    synchronized SensitivityLookup sensitivity() {
        if (sensitivity == null) {
            sensitivity = model().isPresent() && dataset().isPresent() ? analysis().sensitivity() : SensitivityLookup.NONE;
        }
        return sensitivity;
    }

    /** The last {@code sensitivity} table, if any ({@code plot sensitivity}). */
    public synchronized Optional<SensitivityTable> lastSensitivity() {
        return Optional.ofNullable(lastSensitivity);
    }

    synchronized void lastSensitivity(SensitivityTable t) {
        lastSensitivity = t;
    }

    /** The Pareto front of the last {@code search}, if any. */
    public synchronized Optional<Frontier> frontier() {
        return Optional.ofNullable(lastFrontier);
    }

    synchronized void frontier(Frontier f) {
        lastFrontier = f;
    }

    /**
     * A result a statement bound with {@code as name}: the value and, for {@code search}, the front it was chosen
     * from. Headless runs write these to results.json ({@link Results}).
     */
    public record Bound(String name, Object value, Frontier frontier) {}

    synchronized void bind(String name, Object value, Frontier frontier) {
        bound.remove(name);
        bound.put(name, new Bound(name, value, frontier));
    }

    /** What {@code as name} bound, in the order last bound (the last binding of each name). */
    public synchronized List<Bound> bound() {
        return List.copyOf(bound.values());
    }

    // ---- calibration ----

    private String calibrationName;
    private boolean analysisHeldOut;

    /**
     * Whether analyses run on the held-out part of the data: some rule uses GPTQ or AWQ or calibrates static activation
     * scales, and no {@code calibrate on} names other data.
     */
    synchronized boolean splitsData() {
        return calibrationName == null && rules.stream().anyMatch(r -> r.rule().algorithm().needsCalibration()
                || r.rule().isActivations() && r.rule().activations().needsCalibration());
    }

    synchronized void addCalibrationDataset(String name, Dataset data) {
        datasets.put(name, data);
    }

    /** {@code calibrate on name}. */
    synchronized void calibrateOn(String name) {
        calibrationName = name;
        forgetAnalysis();
    }

    public synchronized Optional<String> calibrationDatasetName() {
        return Optional.ofNullable(calibrationName);
    }

    public synchronized int calibrationSamples() {
        return Integer.parseInt(settings.get("calibration"));
    }

    /** The data in use cut into calibration and evaluation parts (seeded by the session's seed). */
    private io.precis.engine.data.Split<? extends Dataset> split() {
        Dataset d = dataset().orElseThrow(() -> new IllegalStateException("no data in use: 'use MODEL on DATASET' first"));
        int n = calibrationSamples();
        if (d instanceof io.precis.engine.data.TextCorpus) {
            n *= 64;   // text is cut in characters: about one language-model window per sample
        }
        if (n >= d.size()) {
            throw new IllegalArgumentException("cannot take " + calibrationSamples() + " calibration samples from " + d.description()
                    + " and leave some for evaluation: 'set calibration N' with a smaller N, or 'calibrate on DATASET'");
        }
        return io.precis.engine.calib.Calibration.split(d, n, seed());
    }

    /** What GPTQ and AWQ calibrate on: the {@code calibrate on} data, else the calibration part of the data in use. */
    public synchronized io.precis.engine.calib.Calibration calibration() {
        Dataset d = calibrationName != null ? datasets.get(calibrationName) : split().calibration();
        // calibration windows as long as the evaluated ones ('set context'), as analysis() cuts the evaluation text
        if (d instanceof io.precis.engine.data.TextCorpus t && setExplicitly.contains("context")) {
            d = t.withContext(Integer.parseInt(settings.get("context")));
        }
        return io.precis.engine.calib.Calibration.on(d).samples(calibrationSamples()).seed(seed())
                .sequential(settings.get("sequential").equals("yes"));
    }

    // ---- settings ----

    public synchronized Map<String, String> settings() {
        return Map.copyOf(settings);
    }

    /**
     * The settings a {@code set} changed. An unset context leaves models with a position table their table's
     * length (GGUF models read the default 256 either way).
     */
    private final Set<String> setExplicitly = new HashSet<>();

    synchronized void set(String name, String value) {
        settings.put(name, value);
        setExplicitly.add(name);
        if (!name.equals("device")) {
            forgetAnalysis();
        }
    }

    public synchronized long seed() {
        return Long.parseLong(settings.get("seed"));
    }

    public synchronized int samples() {
        return Integer.parseInt(settings.get("samples"));
    }

    // ---- rules ----

    /** The plan's rules, in the order they apply. */
    public synchronized List<Rule> rules() {
        List<Rule> out = new ArrayList<>(rules.size() + after.size());
        rules.forEach(r -> out.add(r.rule()));
        after.forEach(r -> out.add(r.rule()));
        return out;
    }

    /** The rules whose condition reads sensitivity (they need data to resolve). */
    synchronized List<Rule> rulesReadingSensitivity() {
        List<Rule> out = new ArrayList<>();
        rules.stream().filter(r -> r.readsSensitivity() && !r.rule().isKeep()).forEach(r -> out.add(r.rule()));
        after.stream().filter(r -> r.readsSensitivity() && !r.rule().isKeep()).forEach(r -> out.add(r.rule()));
        return out;
    }

    /** A number for the next rule's label ("rule 3"). */
    synchronized int nextRuleNumber() {
        return ++ruleCounter;
    }

    private String runningCell;

    /** A cell starts running: its old rules go, and its new ones will take their place. */
    synchronized void beginCell(String cell) {
        rules.addAll(after);
        after.clear();
        runningCell = cell;
        if (cell == null) {
            return;
        }
        int at = -1;
        for (int i = 0; i < rules.size(); i++) {
            if (cell.equals(rules.get(i).cell())) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return;
        }
        List<CellRule> rest = rules.subList(at, rules.size());
        rest.stream().filter(r -> !cell.equals(r.cell())).forEach(after::add);
        rest.clear();
    }

    /** Adds a rule of the running cell; without a cell identity, an identical rule is not added twice. */
    synchronized void addRule(Rule rule) {
        addRule(rule, false);
    }

    synchronized void addRule(Rule rule, boolean readsSensitivity) {
        String cell = runningCell;
        if (cell == null && !cellLess.add(ruleText(rule.label()))) {
            return;
        }
        rules.add(new CellRule(cell, rule, readsSensitivity));
    }

    /** Measures, one rule at a time, the sensitivities the rules' conditions will read (cached afterwards). */
    synchronized void measureSensitivitiesForRules() {
        Optional<Model> m = model();
        if (m.isEmpty() || dataset().isEmpty()) {
            return;
        }
        List<CellRule> all = new ArrayList<>(rules);
        all.addAll(after);
        for (CellRule r : all) {
            if (!r.readsSensitivity() || r.rule().isKeep()) {
                continue;
            }
            List<io.precis.engine.model.LayerRef> layers = m.get().layers().stream()
                    .filter(l -> r.rule().covers(l.name()))
                    .filter(l -> !Planner.DEFAULT_KEPT.contains(l.kind()) || r.rule().namesExplicitly(l.name(), l.kind()))
                    .toList();
            if (!layers.isEmpty()) {
                analysis().sensitivity(layers, List.of(r.rule().format()));
            }
        }
    }

    /** Forgets every rule (the plan goes back to the defaults); {@code %precis clear}. Returns how many there were. */
    public synchronized int clearRules() {
        int n = rules.size() + after.size();
        rules.clear();
        after.clear();
        cellLess.clear();
        return n;
    }

    private static String ruleText(String label) {
        int colon = label.indexOf("): ");
        return colon < 0 ? label : label.substring(colon + 3);
    }

    /** The plan the rules give for the model in use (sensitivities computed where conditions ask). */
    public synchronized Plan plan() {
        Model m = model().orElseThrow(() -> new IllegalStateException("no model in use: 'load model ...' or 'use MODEL' first"));
        measureSensitivitiesForRules();
        return Planner.resolve(modelName, m.layers(), rules(), sensitivity());
    }

    /**
     * The plan of the prune, keep and activation rules alone: what sensitivity, sweep and search keep on while they
     * measure (a measured layer keeps its prune rule; activation rules quantize their layers' inputs).
     */
    synchronized Plan measuringRules() {
        Model m = model().orElseThrow(() -> new IllegalStateException("no model in use: 'load model ...' or 'use MODEL' first"));
        List<Rule> kept = rules().stream().filter(r -> r.isPrune() || r.isActivations() || r.isKeep()).toList();
        if (kept.stream().noneMatch(r -> r.isPrune() || r.isActivations())) {
            return null;
        }
        return Planner.resolve(modelName, m.layers(), kept, sensitivity());
    }

    @Override
    public synchronized String toString() {
        return "Precis session: model " + (modelName == null ? "none" : modelName) + ", data "
                + (datasetName == null ? "none" : datasetName) + ", " + (rules.size() + after.size()) + " rules, settings " + settings;
    }
}
