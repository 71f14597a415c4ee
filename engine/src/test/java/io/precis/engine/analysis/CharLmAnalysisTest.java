package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.FigureTest;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.Activation;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.model.train.TrainModels;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sensitivity, sweeps, search, figures and interrupts on the committed char-level language model. */
class CharLmAnalysisTest {
    static Model model;
    static TextCorpus heldOut;
    static final Format INT2 = Formats.int2(), INT4 = Formats.int4(), INT8 = Formats.int8();

    @BeforeAll
    static void load() {
        String all = Datasets.text(TestFiles.mobyDickOrSkip()).text();
        heldOut = new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * (1 - TrainModels.HELD_OUT))));
        model = Models.load(TestFiles.models("trained/char-lm-0000.params"));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static Analysis analysis() {
        return Analysis.of(model, heldOut).samples(48).cache(SensitivityCache.inMemory());
    }

    @Test
    void resumingAtAStageGivesTheFullForwardPassBitForBit() {
        assertEquals(4, model.stages(), "tables, two blocks, norm and head");
        assertEquals(2, model.stageOf(model.layer("blocks.1.attn.qkv")));
        assertEquals(3, model.stageOf(model.layer("head")));
        ModelInput in = analysis().evaluator().inputs().get(0);
        List<Activation> acts = new ArrayList<>();
        float[] full = model.forwardCollecting(in, acts).values();
        assertEquals(3, acts.size());
        assertArrayEquals(full, model.forward(in).values());
        model.swap(model.layer("blocks.1.mlp.fc1"), WeightTransform.fakeQuantize(INT4));
        try {
            float[] swapped = model.forward(in).values();
            assertArrayEquals(swapped, model.forwardFrom(in, 2, acts.get(1)).values());
            assertFalse(java.util.Arrays.equals(full, swapped), "the swap reaches the output");
        } finally {
            model.restoreAll();
        }
        // and through an analysis: the same score with and without prefix reuse
        LayerRef fc2 = model.layer("blocks.1.mlp.fc2");
        assertEquals(analysis().prefixReuse(false).sensitivity().sensitivity(fc2, INT2), analysis().sensitivity().sensitivity(fc2, INT2));
    }

    @Test
    void lowerPrecisionCostsMoreOnEveryLayerAndScoresAreCachedAcrossMetrics() {
        Analysis a = analysis();
        assertEquals(SensitivityMetric.DELTA_LOSS, a.metric(), "the default where next tokens exist");
        List<LayerRef> layers = a.quantizableLayers();
        assertEquals(8, layers.size(), layers.toString());
        SensitivityTable t = a.sensitivity(layers, List.of(INT8, INT2));
        long runs = a.evaluations();
        assertTrue(runs >= 16, "16 configurations measured, " + runs);
        for (LayerRef l : layers) {
            assertTrue(t.value(l, INT2) > t.value(l, INT8), l.name() + ": int2 " + t.value(l, INT2) + " vs int8 " + t.value(l, INT8));
            assertTrue(t.value(l, INT2) > 0.001, l.name() + " int2 Δloss " + t.value(l, INT2));
            assertTrue(Math.abs(t.value(l, INT8)) < 0.01, l.name() + " int8 Δloss " + t.value(l, INT8));
        }
        assertTrue(t.describe().contains("Δloss") && t.describe().contains("moby-dick held-out") && t.describe().contains("48 samples"), t.describe());
        assertTrue(t.toText().contains("Δloss") && t.toHtml().contains("moby-dick held-out"));

        a.sensitivity(layers, List.of(INT8, INT2));
        assertEquals(runs, a.evaluations(), "the second call measures nothing");
        SensitivityTable kl = a.metric("kl").sensitivity(layers, List.of(INT8, INT2));
        assertEquals(runs, a.evaluations(), "KL came from the same runs");
        for (LayerRef l : layers) assertTrue(kl.value(l, INT2) > kl.value(l, INT8) && kl.value(l, INT8) >= 0, l.name());
        Analysis fresh = Analysis.of(model, heldOut).samples(48).cache(a.cacheInUse());
        fresh.metric(SensitivityMetric.ONE_MINUS_COSINE).sensitivity(layers, List.of(INT2));
        assertEquals(0, fresh.evaluations(), "a new analysis with the same cache measures nothing");

        SensitivityTable w = a.metric(SensitivityMetric.WEIGHT_SQNR).sensitivity(layers, List.of(INT8, INT2));
        assertEquals(runs, a.evaluations(), "weight SQNR runs no model");
        for (LayerRef l : layers) assertTrue(w.value(l, INT8) > w.value(l, INT2) + 20, l.name() + " " + w.value(l, INT8) + " vs " + w.value(l, INT2));
        assertEquals(w.ranked(INT2).get(0), layers.stream().min(java.util.Comparator.comparingDouble(l -> w.value(l, INT2))).orElseThrow());
    }

    @Test
    void whereSensitivityMeasuresOnlyTheLayersARuleAsksAbout() {
        Analysis a = analysis();
        Rule r = Rule.quantize("rule 1: quantize blocks.1.* to int4 where sensitivity < 0.05", List.of(LayerPattern.glob("blocks.1.*")), INT4)
                .where(c -> c.sensitivity() < 0.05, Set.of());
        Plan plan = Planner.resolve(model.name(), model.layers(), List.of(r), a.sensitivity());
        assertEquals(4, a.evaluations(), "qkv, proj, fc1, fc2 of block 1; its norms stay at full precision by default");
        assertTrue(plan.sensitivityNote().contains("Δloss"), plan.sensitivityNote());
        assertTrue(plan.layer("blocks.1.attn.qkv").orElseThrow().sensitivity().isPresent());
        assertTrue(plan.layer("blocks.0.attn.qkv").orElseThrow().sensitivity().isEmpty());
        String html = plan.toHtml();
        assertTrue(html.contains("where sensitivity &lt; 0.05") && !html.contains("sensitivity < 0.05"), "rule labels are escaped");
        assertTrue(html.contains("Δloss"), html);
    }

    @Test
    void searchIsExactAgainstBruteForceAndMeasuresTheChosenPlan() {
        Analysis a = analysis();
        List<LayerRef> layers = a.quantizableLayers();
        List<Format> formats = List.of(INT2, INT4, INT8);
        Search search = a.search(layers, formats);
        Frontier f = search.underBudget(5.0);
        SensitivityTable t = f.sensitivities();
        // brute force over 4^8 plans with the same sums
        long n = search.weightParams();
        double best = Double.POSITIVE_INFINITY;
        int[] idx = new int[layers.size()];
        while (true) {
            long bits = 0;
            double damage = 0;
            for (int k = 0; k < layers.size(); k++) {
                LayerRef l = layers.get(k);
                long p = l.weights().stream().mapToLong(w -> w.params()).sum();
                bits += idx[k] == 3 ? 32 * p : Search.storageBits(l, formats.get(idx[k]));
                damage += idx[k] == 3 ? 0 : t.value(l, formats.get(idx[k]));
            }
            if (bits <= 5.0 * n && damage < best) best = damage;
            int k = layers.size() - 1;
            while (k >= 0 && ++idx[k] == 4) idx[k--] = 0;
            if (k < 0) break;
        }
        Frontier.Point chosen = f.chosen().orElseThrow();
        assertEquals(best, chosen.predictedDamage(), 1e-15);
        assertTrue(chosen.bits() <= 5.0);
        assertTrue(f.points().contains(chosen));
        for (Frontier.Point p : f.points())
            for (Frontier.Point q : f.points())
                assertFalse(q != p && q.bits() <= p.bits() && q.predicted() <= p.predicted(), "dominated point on the front");
        // measured for real: the chosen plan and both ends of the front; a plan of nothing measures exactly 0
        assertTrue(chosen.measured().isPresent());
        assertNotNull(chosen.evaluation());
        assertTrue(f.measured().size() >= 3, f.measured().size() + " measured");
        assertTrue(f.points().get(0).measured().isPresent() && f.points().get(f.points().size() - 1).measured().isPresent());
        assertEquals(0.0, a.evaluate(Plan.of(model, Map.of(), "nothing")).value());
        assertTrue(chosen.measured().getAsDouble() > 0 && chosen.measured().getAsDouble() < 10 * Math.max(chosen.predicted(), 1e-3),
                "measured " + chosen.measured() + " predicted " + chosen.predicted());
        Plan plan = f.plan();
        assertEquals(chosen.formats(), plan.formats());
        assertTrue(Math.abs(plan.quantizedBits() - chosen.bits()) < 1 || plan.quantized().isEmpty());
        assertEquals("default (embedding)", plan.layer("embed").orElseThrow().decidedBy());
        assertTrue(f.toText().contains("chosen"));

        Frontier within = search.withinChange(chosen.predicted());
        assertTrue(within.chosen().orElseThrow().bits() <= chosen.bits() + 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> search.underBudget(1.0));
        assertTrue(e.getMessage().contains("below the cheapest plan"), e.getMessage());

        PlanEvaluation ev = a.evaluate(plan);
        assertEquals(chosen.measured().getAsDouble(), ev.value(), 1e-12, "the same plan measures the same");
        assertTrue(ev.toText().contains("cross-entropy") && ev.toHtml().contains("<table"));
    }

    @Test
    void sweepsFollowPrecisionAndEveryFigureIsPlotlyAndPng() throws Exception {
        Analysis a = analysis();
        List<Format> formats = List.of(INT8, Formats.int4(), Formats.int3());
        Sweep whole = a.sweep(a.quantizableLayers(), formats);
        assertEquals(List.of("all quantizable layers"), whole.groups());
        double v8 = whole.value("all quantizable layers", INT8), v4 = whole.value("all quantizable layers", formats.get(1)),
                v3 = whole.value("all quantizable layers", formats.get(2));
        assertTrue(v3 > v4 && v4 > v8, v3 + " " + v4 + " " + v8);
        Sweep groups = a.sweep(Sweeps.byPatterns(a.quantizableLayers(), List.of("blocks.0.*", "blocks.1.*")), List.of(Formats.int3()));
        assertEquals(2, groups.points().size());
        assertEquals(4, groups.points().get(0).layers());

        ObjectMapper json = new ObjectMapper();
        JsonNode sweepFig = json.readTree(whole.figure().toPlotlyJson());
        assertEquals("scatter", sweepFig.get("data").get(0).get("type").asText());
        assertTrue(sweepFig.get("data").get(0).get("mode").asText().startsWith("lines+markers"));
        assertEquals(3, sweepFig.get("data").get(0).get("x").size());

        SensitivityTable t = a.sensitivity(List.of(INT8, INT2));
        Figure bars = t.figure();
        JsonNode barFig = json.readTree(bars.toPlotlyJson());
        assertEquals("bar", barFig.get("data").get(0).get("type").asText());
        assertEquals("log", barFig.get("layout").get("yaxis").get("type").asText());
        assertEquals("category", barFig.get("layout").get("xaxis").get("type").asText());
        assertTrue(bars.title().contains("int2"), bars.title());
        assertTrue(bars.describe().contains("Δloss"), bars.describe());

        Frontier f = a.search(a.quantizableLayers(), List.of(INT2, INT4, INT8)).measure(2).underBudget(6);
        JsonNode front = json.readTree(f.figure().toPlotlyJson());
        List<String> names = new ArrayList<>();
        front.get("data").forEach(d -> names.add(d.get("name").asText()));
        assertEquals(List.of("front (predicted)", "measured", "chosen"), names);
        // 2 to 32 bits: a log x-axis so the low-bit end is not a sliver
        assertEquals("log", front.get("layout").get("xaxis").get("type").asText());
        assertTrue(front.get("data").get(0).get("hovertext").get(0).asText().contains("blocks.0.attn.qkv: "));
        assertTrue(front.get("data").get(2).get("hovertext").get(0).asText().contains("blocks.1.mlp.fc2: "));

        Figure hist = WeightHistogram.figure(model, model.layer("blocks.0.mlp.fc1"), INT4);
        JsonNode h = json.readTree(hist.toPlotlyJson());
        JsonNode shapes = h.get("layout").get("shapes");
        assertTrue(shapes.size() >= 8 && shapes.size() <= 15, "int4 symmetric: at most 15 levels of the widest channel, " + shapes.size());
        double step = shapes.get(1).get("x0").asDouble() - shapes.get(0).get("x0").asDouble();
        for (int i = 1; i < shapes.size(); i++)
            assertEquals(step, shapes.get(i).get("x0").asDouble() - shapes.get(i - 1).get("x0").asDouble(), 1e-6 * step, "a uniform grid");
        assertEquals("bar", h.get("data").get(0).get("type").asText());

        for (Figure fig : List.of(whole.figure(), groups.figure(), bars, f.figure(), hist))
            assertTrue(FigureTest.inkedPixels(fig.toPng(800, 500), 800, 500) > 3000, fig.title());
    }

    @Test
    void anInterruptStopsTheWorkAndLeavesFullPrecision() throws Exception {
        String original = model.weightsHash();
        // the progress listener interrupts its own thread after two evaluations
        Analysis a = analysis().progress(step -> {
            if (step.done() == 2) Thread.currentThread().interrupt();
        });
        AnalysisInterruptedException e = assertThrows(AnalysisInterruptedException.class,
                () -> a.sensitivity(a.quantizableLayers(), List.of(INT2, INT4, INT8)));
        assertEquals(2, e.done());
        assertEquals(24, e.total());
        assertTrue(e.getMessage().contains("interrupted") && e.getCause() instanceof InterruptedException, e.getMessage());
        assertFalse(Thread.currentThread().isInterrupted(), "the flag is consumed");
        assertTrue(model.isFullPrecision());
        assertEquals(original, model.weightsHash());

        // from another thread, in the middle of a sweep, with a user's plan applied before: it comes back
        model.swap(model.layer("head"), WeightTransform.fakeQuantize(INT8));
        String withPlan = model.weightsHash();
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Analysis b = Analysis.of(model, heldOut).samples(256).cache(SensitivityCache.inMemory()).progress(s -> started.countDown());
        Thread worker = new Thread(() -> {
            try {
                b.sweep(Sweeps.byKind(b.quantizableLayers()), List.of(INT2, Formats.int3(), INT4, Formats.int5(), Formats.int6(), INT8));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        worker.start();
        started.await();
        worker.interrupt();
        worker.join(60_000);
        assertFalse(worker.isAlive());
        assertTrue(thrown.get() instanceof AnalysisInterruptedException, String.valueOf(thrown.get()));
        assertEquals(withPlan, model.weightsHash(), "the plan applied before the sweep is back");
        assertEquals(Map.of(model.layer("head").weight().name(), "int8"), model.swapped());
        model.restoreAll();
        assertEquals(original, model.weightsHash());
    }
}
