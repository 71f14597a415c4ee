package io.precis.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.analysis.Sweeps;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real standalone cluster on 127.0.0.1 (Spark's Master and two one-core Workers, each its own JVM, executors
 * in JVMs of their own): the char-level LM's table and sweep equal the local ones exactly, and a worker killed
 * while its executor runs tasks costs nothing: Spark runs the lost tasks again on the other worker.
 * (The committed char-lm rather than MiniLM: the same code path, a fraction of the time on this machine.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneSparkTest {
    static Model model;
    static TextCorpus text;
    static StandalonePair pair;
    static SparkCluster spark;
    static final AtomicInteger executorsRemoved = new AtomicInteger();
    static final AtomicInteger tasksFailed = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        text = Fixtures.heldOut();
        model = Models.load(Fixtures.charLm());
        pair = new StandalonePair(Path.of("target", "standalone-logs"));
        spark = SparkCluster.connect(pair.conf());
        spark.context().sc().addSparkListener(new SparkListener() {
            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                executorsRemoved.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                if (e.reason() != Success$.MODULE$) tasksFailed.incrementAndGet();
            }
        });
        // both workers' executors registered (the driver counts itself too)
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (executors().length < 2) {
            assertTrue(System.nanoTime() < deadline, "two executors did not register within 180 s (logs in spark/target/standalone-logs)");
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.close();
        if (pair != null) pair.close();
        if (model != null) model.close();
    }

    /** The executors (not the driver). */
    static SparkExecutorInfo[] executors() {
        return Arrays.stream(spark.context().statusTracker().getExecutorInfos())
                .filter(e -> e.port() != spark.context().sc().env().blockManager().blockManagerId().port())
                .toArray(SparkExecutorInfo[]::new);
    }

    static Analysis analysis(int samples) {
        return Analysis.of(model, text).samples(samples).cache(SensitivityCache.inMemory());
    }

    static void assertSameTable(SensitivityTable here, SensitivityTable there, List<LayerRef> layers) {
        assertEquals(here.layers().stream().map(LayerRef::name).toList(), there.layers().stream().map(LayerRef::name).toList());
        for (LayerRef l : layers)
            for (Format f : Fixtures.FORMATS)
                assertEquals(here.value(l, f), there.value(l, f), 0.0, l.name() + " " + f);
    }

    @Test
    @Order(1)
    void twoWorkersGiveTheLocalTableAndSweep() {
        Analysis local = analysis(16);
        List<LayerRef> layers = local.quantizableLayers();
        Analysis remote = analysis(16).cluster(spark);
        SensitivityTable there = remote.sensitivity(layers, Fixtures.FORMATS);
        assertSameTable(local.sensitivity(layers, Fixtures.FORMATS), there, layers);
        assertEquals(0, remote.evaluations(), "the driver measured nothing itself");

        Sweep s1 = local.sweep(Sweeps.byKind(layers), Fixtures.FORMATS);
        Sweep s2 = remote.sweep(Sweeps.byKind(layers), Fixtures.FORMATS);
        assertEquals(s1.points().size(), s2.points().size());
        for (int i = 0; i < s1.points().size(); i++) {
            assertEquals(s1.points().get(i).value(), s2.points().get(i).value(), 0.0);
            assertEquals(s1.points().get(i).evaluation().scores().stream().map(x -> x.value()).toList(),
                    s2.points().get(i).evaluation().scores().stream().map(x -> x.value()).toList());
        }
        assertTrue(noTaskRunningWithin(10_000), "tasks still running after the jobs returned");
    }

    /** The executors' task counts reach the driver with their heartbeats, so a finished job can still show one briefly. */
    private boolean noTaskRunningWithin(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (true) {
            boolean idle = true;
            for (SparkExecutorInfo e : executors()) idle &= e.numRunningTasks() == 0;
            if (idle) return true;
            if (System.currentTimeMillis() > end) return false;
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @Test
    @Order(2)
    void aWorkerKilledMidTableCostsNothing() throws Exception {
        Analysis remote = analysis(128).cluster(spark);
        List<LayerRef> layers = remote.quantizableLayers();
        int removedBefore = executorsRemoved.get();
        CompletableFuture<SensitivityTable> table = CompletableFuture.supplyAsync(() -> remote.sensitivity(layers, Fixtures.FORMATS));
        // wait until both executors run a task, then kill the second worker's JVM (its executor loses its worker and exits)
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (Arrays.stream(executors()).filter(e -> e.numRunningTasks() > 0).count() < 2) {
            assertFalse(table.isDone(), "the table finished before both executors ran tasks");
            assertTrue(System.nanoTime() < deadline, "both executors never ran tasks at once");
            Thread.sleep(20);
        }
        Process victim = pair.workers.get(1);
        List<ProcessHandle> itsExecutors = pair.descendants(victim);
        assertFalse(itsExecutors.isEmpty(), "the worker runs its executor as a child JVM");
        victim.destroyForcibly();
        assertFalse(table.isDone(), "killed while tasks ran");

        SensitivityTable there = table.get();
        assertTrue(executorsRemoved.get() > removedBefore, "the driver saw the executor go");
        assertTrue(tasksFailed.get() > 0, "at least one running task was lost and run again");
        assertSameTable(analysis(128).sensitivity(layers, Fixtures.FORMATS), there, layers);
    }
}
