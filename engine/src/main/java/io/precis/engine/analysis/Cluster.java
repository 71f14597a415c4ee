package io.precis.engine.analysis;

import io.precis.engine.format.Format;
import java.util.List;
import java.util.Map;

/**
 * Somewhere other than this thread that measures an analysis's configurations: a Spark cluster (the optional
 * {@code precis-spark} module), found by {@link Provider} through {@link java.util.ServiceLoader}. The analysis
 * stays the owner of the results: it puts them in the same cache and builds the same tables and sweeps.
 */
public interface Cluster extends AutoCloseable {

    /**
     * Measures each configuration (layer name to format, every other layer at full precision) exactly as
     * {@link Analysis#measureHere} would, results in the same order. Calls {@code steps.checkInterrupt()} at
     * least every second and stops the remote work before letting its exception through.
     */
    List<Analysis.Measured> measure(Analysis analysis, List<Map<String, Format>> configs, Steps steps);

    /** e.g. {@code spark local[2] (2 cores)}. */
    String describe();

    @Override
    void close();

    /** Progress and interrupt, from the analysis's tracker. */
    interface Steps {
        /** {@code done} of the configurations are measured so far. */
        void done(long done);

        /** Throws {@link AnalysisInterruptedException} when the thread was interrupted. */
        void checkInterrupt();
    }

    /** Connects to a cluster given as a master URL ({@code local[2]}, {@code spark://host:7077}). */
    interface Provider {
        /** Whether this provider understands the URL. */
        boolean accepts(String master);

        Cluster connect(String master);
    }
}
