package io.precis.spark;

import io.precis.engine.analysis.Cluster;

/** {@code set cluster "local[2]"} or {@code "spark://host:7077"}: a {@link SparkCluster}, found through ServiceLoader. */
public final class SparkClusterProvider implements Cluster.Provider {
    @Override
    public boolean accepts(String master) {
        return master.startsWith("local") || master.startsWith("spark://") || master.startsWith("yarn") || master.startsWith("k8s://");
    }

    @Override
    public Cluster connect(String master) {
        return SparkCluster.connect(master);
    }
}
