package io.precis.language;

import io.precis.engine.analysis.Cluster;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** {@code set cluster}: finds a cluster provider (the optional precis-spark module) on the class path at run time. */
final class Clusters {
    private Clusters() {}

    static final String NEEDS = "set cluster needs the precis-spark module and Spark on the class path: "
            + "%classpath add <precis checkout>/spark/target/lib/* (made by 'make build'), then set cluster again";

    /** The cluster at this master URL, or null for {@code none}; a clear message when no provider is there. */
    static Cluster connect(String master) {
        if (master.equalsIgnoreCase("none")) return null;
        List<Cluster.Provider> found = new ArrayList<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ServiceLoader.load(Cluster.Provider.class, context != null ? context : Clusters.class.getClassLoader()).forEach(found::add);
        if (found.isEmpty()) throw new IllegalArgumentException(NEEDS);
        for (Cluster.Provider p : found) {
            if (!p.accepts(master)) continue;
            try {
                return p.connect(master);
            } catch (RuntimeException | LinkageError e) {
                throw new IllegalArgumentException("cannot start a cluster at '" + master + "': " + e);
            }
        }
        throw new IllegalArgumentException("no cluster at '" + master + "': give none, \"local[N]\" or \"spark://host:7077\"");
    }
}
