package io.precis.spark;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.Cluster;
import io.precis.engine.analysis.SensitivityMetric;
import io.precis.engine.data.Dataset;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * An analysis's configurations measured as a Spark job. The configuration list is split into partitions; each
 * executor JVM loads the model once (from the path or Maven coordinates it came from, checked by hash) and
 * keeps it with its full-precision outputs and stage inputs, so it reuses exactly what the local path reuses;
 * the driver gets back every metric's value and the evaluation of each configuration, in order.
 *
 * <pre>{@code
 * try (SparkCluster c = SparkCluster.connect("spark://host:7077")) {
 *     SensitivityTable t = Analysis.of(model, calib).cluster(c).sensitivity(formats);
 * }
 * }</pre>
 *
 * An interrupt of the calling thread cancels the job group (running tasks are interrupted and restore their
 * weights) and throws the analysis's interrupt exception within a poll period (100 ms).
 */
public final class SparkCluster implements Cluster {
    private final JavaSparkContext sc;
    private final boolean owned;
    private final String master;

    private SparkCluster(JavaSparkContext sc, boolean owned) {
        this.sc = sc;
        this.owned = owned;
        this.master = sc.master();
    }

    /** Starts a Spark application on this master ({@code local[2]}, {@code spark://host:7077}) with Precis's settings. */
    public static SparkCluster connect(String master) {
        return connect(conf(master));
    }

    /** The context this class started last: Spark allows one per JVM, so a second connect to its master shares it. */
    private static JavaSparkContext started;

    public static synchronized SparkCluster connect(SparkConf conf) {
        if (started != null && !started.sc().isStopped()) {
            if (!started.master().equals(conf.get("spark.master")))
                throw new IllegalArgumentException("a Spark application on " + started.master() + " already runs in this JVM; 'set cluster none' first");
            return new SparkCluster(started, false);
        }
        started = new JavaSparkContext(conf);
        return new SparkCluster(started, true);
    }

    /** An existing context (spark-submit, a notebook that made its own); closing the cluster leaves it running. */
    public static SparkCluster of(JavaSparkContext sc) {
        return new SparkCluster(sc, false);
    }

    /**
     * The configuration Precis uses: the application name, executors started with Spark's own
     * {@code --add-opens} list (JavaModuleOptions) and the Vector API, the driver's Maven repository (so
     * executors resolve {@code maven:} models where the driver does). Other settings (the executors' class path,
     * memory, ...) come from the JVM's {@code spark.*} system properties, as {@link SparkConf} reads them.
     */
    public static SparkConf conf(String master) {
        SparkConf c = new SparkConf().setMaster(master).setAppName("precis")
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "4");
        StringBuilder opts = new StringBuilder(JavaModuleOptions.defaultModuleOptions()).append(" --add-modules=jdk.incubator.vector");
        String repo = System.getProperty("maven.repo.local");
        if (repo != null) opts.append(" -Dmaven.repo.local=").append(repo);
        // a -Dspark.executor.extraJavaOptions=... of the driver's JVM (SparkConf reads spark.* properties) comes last and wins
        String user = c.get("spark.executor.extraJavaOptions", "");
        if (!user.isBlank()) opts.append(' ').append(user);
        c.set("spark.executor.extraJavaOptions", opts.toString());
        return c;
    }

    @Override
    public String describe() {
        return "spark " + master + " (" + sc.defaultParallelism() + " cores)";
    }

    public JavaSparkContext context() { return sc; }

    @Override
    public List<Analysis.Measured> measure(Analysis analysis, List<Map<String, Format>> configs, Steps steps) {
        if (configs.isEmpty()) return List.of();
        Job job = Job.of(analysis);
        Broadcast<Object> data = sc.broadcast(Portable.to(analysis.data()));
        List<Object[]> tasks = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            LinkedHashMap<String, String> c = new LinkedHashMap<>();
            configs.get(i).forEach((l, f) -> c.put(l, f.toString()));
            tasks.add(new Object[] {i, c});
        }
        // a few configurations per task: retries redo little, and progress moves as partitions finish
        int slices = Math.min(configs.size(), Math.max(1, sc.defaultParallelism()) * 4);
        JavaRDD<Object[]> rdd = sc.parallelize(tasks, slices).mapPartitions(part -> run(job, data.value(), part));
        String group = "precis-" + UUID.randomUUID();
        sc.setJobGroup(group, "precis: " + configs.size() + " configurations of " + analysis.model().name(), true);
        JavaFutureAction<List<Object[]>> future;
        try {
            future = rdd.collectAsync();
        } finally {
            sc.clearJobGroup();
        }
        List<Object[]> rows;
        try {
            rows = await(future, group, configs.size(), steps);
        } finally {
            data.unpersist(false); // not destroy: a cancelled job may still be serializing tasks that name it
        }
        Analysis.Measured[] out = new Analysis.Measured[configs.size()];
        for (Object[] r : rows) out[(Integer) r[0]] = measured(r);
        return List.of(out);
    }

    private List<Object[]> await(JavaFutureAction<List<Object[]>> future, String group, int total, Steps steps) {
        while (true) {
            try {
                steps.checkInterrupt();
            } catch (RuntimeException stop) {
                sc.cancelJobGroup(group);
                throw stop;
            }
            try {
                return future.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                steps.done(Math.min(total, finished(future, total)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // checkInterrupt above turns it into the analysis's exception
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("the Spark job failed: " + c.getMessage(), c);
            }
        }
    }

    /** Configurations done so far, estimated from finished tasks (partitions hold about the same number). */
    private long finished(JavaFutureAction<?> future, int total) {
        long done = 0, tasks = 0;
        for (int id : future.jobIds()) {
            SparkJobInfo j = sc.statusTracker().getJobInfo(id);
            if (j == null) continue;
            for (int s : j.stageIds()) {
                SparkStageInfo st = sc.statusTracker().getStageInfo(s);
                if (st == null) continue;
                done += st.numCompletedTasks();
                tasks += st.numTasks();
            }
        }
        return tasks == 0 ? 0 : done * total / tasks;
    }

    /** On an executor: this partition's configurations, measured on the JVM's copy of the model. */
    private static Iterator<Object[]> run(Job job, Object portableData, Iterator<Object[]> part) {
        Dataset data = (Dataset) Portable.from(portableData);
        List<Integer> index = new ArrayList<>();
        List<Map<String, Format>> configs = new ArrayList<>();
        while (part.hasNext()) {
            Object[] t = part.next();
            index.add((Integer) t[0]);
            @SuppressWarnings("unchecked") Map<String, String> c = (Map<String, String>) t[1];
            Map<String, Format> config = new LinkedHashMap<>();
            c.forEach((l, f) -> config.put(l, Formats.parse(f)));
            configs.add(config);
        }
        Analysis a = job.borrow(data);
        List<Analysis.Measured> got;
        try {
            got = a.measureHere(configs);
        } finally {
            job.giveBack(data, a);
        }
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < got.size(); i++) {
            LinkedHashMap<String, Double> values = new LinkedHashMap<>();
            got.get(i).values().forEach((m, v) -> values.put(m.name(), v));
            out.add(new Object[] {index.get(i), values, Portable.to(got.get(i).evaluation())});
        }
        return out.iterator();
    }

    private static Analysis.Measured measured(Object[] row) {
        @SuppressWarnings("unchecked") Map<String, Double> values = (Map<String, Double>) row[1];
        Map<SensitivityMetric, Double> m = new EnumMap<>(SensitivityMetric.class);
        values.forEach((k, v) -> m.put(SensitivityMetric.valueOf(k), v));
        return new Analysis.Measured(m, (Evaluation) Portable.from(row[2]));
    }

    @Override
    public void close() {
        if (owned) sc.stop();
    }

    @Override
    public String toString() {
        return describe();
    }
}
