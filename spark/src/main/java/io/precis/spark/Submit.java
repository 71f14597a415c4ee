package io.precis.spark;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.DataOptions;
import io.precis.engine.data.Dataset;
import io.precis.engine.data.Datasets;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A sensitivity table as a batch application for {@code spark-submit} (the master, executors and jars come from
 * spark-submit's options):
 * <pre>
 * spark-submit --class io.precis.spark.Submit --jars JARS precis-spark.jar MODEL DATA FORMATS OUT.csv [--text] [--samples N]
 * </pre>
 * MODEL is a file every executor can read at that path, or {@code maven:group:artifact:version}; DATA is a
 * sentences file (one per line) or, with {@code --text}, a text corpus; FORMATS e.g. {@code int8,int4}. Writes
 * {@code layer,format,value} rows (every linear layer x format) to OUT.csv.
 */
public final class Submit {
    private Submit() {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException | io.precis.engine.model.ModelException e) {
            // bad arguments, an unreadable model or data file: one line that names it, no stack trace
            System.err.println("precis Submit: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String[] args) throws Exception {
        List<String> pos = new ArrayList<>();
        boolean text = false;
        int samples = 256;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--text" -> text = true;
                case "--samples" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]{0,8}"))
                        throw new IllegalArgumentException("--samples takes a whole number from 1 to 999999999");
                    samples = Integer.parseInt(args[++i]);
                }
                default -> pos.add(args[i]);
            }
        }
        if (pos.size() != 4) {
            System.err.println("usage: Submit MODEL DATA FORMATS OUT.csv [--text] [--samples N]");
            System.exit(2);
        }
        String source = pos.get(0);
        List<Format> formats = new ArrayList<>();
        for (String f : pos.get(2).split(",")) formats.add(Formats.parse(f.strip()));
        Dataset data = Datasets.load(Path.of(pos.get(1)), new DataOptions(text ? DataOptions.TEXT : DataOptions.SENTENCES, 0));
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("precis sensitivity"));
        try (Model model = source.startsWith("maven:") ? Models.loadFromMaven(source.substring("maven:".length())) : Models.load(Path.of(source));
             SparkCluster cluster = SparkCluster.of(sc)) {
            Analysis a = Analysis.of(model, data).samples(samples).cache(SensitivityCache.inMemory()).cluster(cluster);
            List<LayerRef> layers = a.quantizableLayers();
            SensitivityTable t = a.sensitivity(layers, formats);
            StringBuilder csv = new StringBuilder("layer,format,value\n");
            for (LayerRef l : layers)
                for (Format f : formats)
                    csv.append(l.name()).append(',').append(f).append(',').append(String.format(Locale.ROOT, "%.17g", t.value(l, f))).append('\n');
            AtomicFiles.writeString(Path.of(pos.get(3)), csv.toString());
            System.out.println("wrote " + layers.size() * formats.size() + " rows to " + pos.get(3) + " (" + cluster.describe() + ")");
        } finally {
            sc.stop();
        }
    }
}
