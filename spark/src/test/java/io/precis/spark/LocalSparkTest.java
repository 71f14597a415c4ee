package io.precis.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.AnalysisInterruptedException;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.analysis.Sweeps;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.language.testkit.CellTester;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code local[2]}: the Spark path gives the local path's numbers exactly, and stops on interrupt. */
class LocalSparkTest {
    static Model model;
    static TextCorpus text;
    static SparkCluster spark;

    @BeforeAll
    static void start() {
        text = Fixtures.heldOut();
        model = Models.load(Fixtures.charLm());
        spark = SparkCluster.connect("local[2]");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.close();
        if (model != null) model.close();
    }

    static Analysis analysis() {
        return Analysis.of(model, text).samples(16).cache(SensitivityCache.inMemory());
    }

    @Test
    void sensitivityAndSweepEqualTheLocalOnes() {
        Analysis local = analysis();
        List<LayerRef> layers = local.quantizableLayers();
        SensitivityTable here = local.sensitivity(layers, Fixtures.FORMATS);
        int loadsBefore = Job.LOADS.get();
        Analysis remote = analysis().cluster(spark);
        SensitivityTable there = remote.sensitivity(layers, Fixtures.FORMATS);
        assertEquals(here.layers().stream().map(LayerRef::name).toList(), there.layers().stream().map(LayerRef::name).toList());
        for (int i = 0; i < layers.size(); i++)
            for (int j = 0; j < Fixtures.FORMATS.size(); j++)
                assertEquals(here.value(layers.get(i), Fixtures.FORMATS.get(j)), there.value(layers.get(i), Fixtures.FORMATS.get(j)), 0.0,
                        layers.get(i).name() + " " + Fixtures.FORMATS.get(j));
        assertEquals(0, remote.evaluations(), "the driver measured nothing itself");
        assertTrue(Job.LOADS.get() - loadsBefore <= 2, "at most one model per task slot: " + (Job.LOADS.get() - loadsBefore));

        Sweep s1 = local.sweep(Sweeps.byKind(layers), Fixtures.FORMATS);
        Sweep s2 = remote.sweep(Sweeps.byKind(layers), Fixtures.FORMATS);
        assertEquals(s1.points().size(), s2.points().size());
        for (int i = 0; i < s1.points().size(); i++) {
            assertEquals(s1.points().get(i).value(), s2.points().get(i).value(), 0.0);
            assertEquals(s1.points().get(i).evaluation().scores().stream().map(x -> x.value()).toList(),
                    s2.points().get(i).evaluation().scores().stream().map(x -> x.value()).toList());
        }
        // the measured points of a search come from the cluster too
        double[] a = local.search(layers, Fixtures.FORMATS).underBudget(5).points().stream().filter(p -> p.measured().isPresent())
                .mapToDouble(p -> p.measured().getAsDouble()).toArray();
        double[] b = remote.search(layers, Fixtures.FORMATS).underBudget(5).points().stream().filter(p -> p.measured().isPresent())
                .mapToDouble(p -> p.measured().getAsDouble()).toArray();
        assertTrue(a.length > 0);
        assertArrayEquals(a, b, 0.0);
    }

    @Test
    void anInterruptCancelsTheJobWithinASecond() throws Exception {
        Analysis remote = Analysis.of(model, text).samples(64).cache(SensitivityCache.inMemory()).cluster(spark);
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                remote.sweep(Sweeps.byPatterns(remote.quantizableLayers(), List.of("*")), Fixtures.FORMATS);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.start();
        while (spark.context().statusTracker().getActiveJobIds().length == 0 && t.isAlive()) Thread.sleep(10);
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(5000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(thrown[0] instanceof AnalysisInterruptedException, String.valueOf(thrown[0]));
        assertTrue(seconds < 1.0, "stopped after " + seconds + " s");
        // tasks stop at their next batch; one still loading its executor's model finishes the load first
        for (int i = 0; i < 500 && spark.context().statusTracker().getActiveJobIds().length > 0; i++) Thread.sleep(20);
        assertEquals(0, spark.context().statusTracker().getActiveJobIds().length, "the job group was cancelled (10 s)");
    }

    @Test
    void setClusterInTheLanguageRunsTheTableOnSpark() {
        try (CellTester cells = new CellTester()) {
            cells.run("load model \"" + Fixtures.charLm() + "\" as lm").assertOk();
            cells.run("set cluster \"local[2]\"").assertOk();
            assertTrue(cells.session().cluster().isPresent());
            cells.run("set cluster none").assertOk();
            assertTrue(cells.session().cluster().isEmpty());
            String bad = cells.run("set cluster \"mesos://x\"").assertFailed("PrecisError");
            assertTrue(bad.contains("line 1:13") && bad.contains("spark://host:7077"), bad);
        }
    }
}
