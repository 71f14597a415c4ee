package io.precis.spark;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.data.Dataset;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor needs to rebuild the driver's analysis: where the model is (a path or Maven coordinates,
 * never its weights) and its hash, and the analysis's settings. The data travels once per executor as a
 * broadcast. Executors keep loaded models per JVM ({@link #borrow}), one per task running at once.
 */
record Job(String modelSource, String modelHash, String metric, int samples, int batchSize, long seed, boolean prefixReuse)
        implements Serializable {

    /** The driver's analysis as a job; the model must come from a file or Maven artefact executors can reach. */
    static Job of(Analysis a) {
        Model m = a.model();
        String source = m.source();
        if (!source.startsWith("maven:")) {
            Path p = Path.of(source);
            if (!Files.isRegularFile(p))
                throw new IllegalArgumentException("the cluster's executors load the model from its file or Maven artefact, and "
                        + m.name() + " came from '" + source + "', which is neither");
            source = p.toAbsolutePath().normalize().toString();
        }
        return new Job(source, m.modelHash(), a.metric().keyword(), a.samplesSetting(), a.batchSizeSetting(), a.seedSetting(),
                a.prefixReuseSetting());
    }

    // ---- the executor's side ----------------------------------------------------------------------------

    /** Idle analyses by job and data, each over its own loaded model (a JVM loads at most one per concurrent task). */
    private static final Map<String, Deque<Analysis>> IDLE = new ConcurrentHashMap<>();

    /** Times this JVM loaded a model (tests check executors load once, not per task). */
    static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    private String key(Dataset data) {
        return this + "|" + data.hash();
    }

    Analysis borrow(Dataset data) {
        Deque<Analysis> idle = IDLE.computeIfAbsent(key(data), k -> new ArrayDeque<>());
        synchronized (idle) {
            if (!idle.isEmpty()) return idle.pop();
        }
        Model m = load();
        Analysis a = Analysis.of(m, data).samples(samples).batchSize(batchSize).seed(seed).prefixReuse(prefixReuse)
                .cache(SensitivityCache.inMemory()).metric(metric);
        return a;
    }

    void giveBack(Dataset data, Analysis a) {
        Deque<Analysis> idle = IDLE.get(key(data));
        synchronized (idle) {
            idle.push(a);
        }
    }

    private Model load() {
        LOADS.incrementAndGet();
        Model m = modelSource.startsWith("maven:")
                ? Models.loadFromMaven(modelSource.substring("maven:".length()).replace("!/", "!"))
                : Models.load(Path.of(modelSource));
        if (!m.modelHash().equals(modelHash)) {
            m.close();
            throw new IllegalStateException("the executor's " + modelSource + " is not the driver's model (hash " + m.modelHash()
                    + ", driver " + modelHash + ")");
        }
        return m;
    }
}
