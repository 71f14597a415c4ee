package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Formats;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scores kept on disk are read back by a later session; keys keep different data and seeds apart. */
class SensitivityCacheTest {

    @Test
    void diskCacheServesALaterSessionAndSeparatesDataAndSeeds(@TempDir Path dir) throws Exception {
        String all = Datasets.text(TestFiles.mobyDickOrSkip()).text();
        TextCorpus part = new TextCorpus("moby-dick part", all.substring(all.length() - 40_000));
        try (Model m = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
            List<LayerRef> layers = List.of(m.layer("blocks.0.attn.proj"), m.layer("blocks.1.mlp.fc2"));
            Analysis first = Analysis.of(m, part).samples(16).cache(SensitivityCache.onDisk(dir));
            SensitivityTable t = first.sensitivity(layers, List.of(Formats.int3()));
            assertEquals(2, first.evaluations());
            try (var files = Files.list(dir)) {
                List<Path> list = files.toList();
                assertEquals(1, list.size(), "one file per model and data, no temp files: " + list);
                assertTrue(Files.readString(list.get(0)).contains("\"model\":\"" + m.modelHash() + "\""));
            }
            Analysis later = Analysis.of(m, part).samples(16).cache(SensitivityCache.onDisk(dir));
            SensitivityTable again = later.sensitivity(layers, List.of(Formats.int3()));
            assertEquals(0, later.evaluations(), "read from disk");
            for (LayerRef l : layers) assertEquals(t.value(l, Formats.int3()), again.value(l, Formats.int3()));

            Analysis otherSeed = Analysis.of(m, part).samples(16).seed(7).cache(SensitivityCache.onDisk(dir));
            otherSeed.sensitivity(layers, List.of(Formats.int3()));
            assertEquals(2, otherSeed.evaluations(), "another sample choice is another key");
            TextCorpus other = new TextCorpus("moby-dick other part", all.substring(0, 40_000));
            Analysis otherData = Analysis.of(m, other).samples(16).cache(SensitivityCache.onDisk(dir));
            otherData.sensitivity(layers, List.of(Formats.int3()));
            assertEquals(2, otherData.evaluations(), "other data is another key");
        }
    }
}
