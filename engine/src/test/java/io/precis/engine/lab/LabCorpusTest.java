package io.precis.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The corpus {@code make lab-data} built: its manifest tells the truth, and the held-out split shares no text with training. */
class LabCorpusTest {

    @Test
    void manifestMatchesTheFilesAndHeldOutTextIsNeverInTraining() throws Exception {
        LabCorpus corpus = ScalingLabSmallGridTest.corpusOrSkip();
        Path dir = LabCorpus.defaultDir();
        Path manifest = dir.resolve("manifest.json");
        if (Files.isRegularFile(manifest)) { // corpora built before the manifest existed have none
            JsonNode m = new ObjectMapper().readTree(manifest.toFile());
            assertEquals(corpus.train().length, m.get("total").get("train_bytes").asLong());
            assertEquals(corpus.heldOut().length, m.get("total").get("heldout_bytes").asLong());
            for (JsonNode s : m.get("sources"))
                assertTrue(s.get("heldout_bytes").asLong() > 0 && s.get("train_bytes").asLong() > 9 * s.get("heldout_bytes").asLong() / 2,
                        "every source in both splits, mostly training: " + s);
        }
        // paragraphs of 200 bytes or more: none of the held-out split's appears in the training split
        Set<String> train = new HashSet<>();
        for (String p : new String(corpus.train(), StandardCharsets.UTF_8).split("\n\n")) if (p.length() >= 200) train.add(p);
        int checked = 0;
        for (String p : new String(corpus.heldOut(), StandardCharsets.UTF_8).split("\n\n")) {
            if (p.length() < 200) continue;
            checked++;
            assertTrue(!train.contains(p), "held-out paragraph also in train.txt: " + p.substring(0, 80));
        }
        assertTrue(checked > 100, "held-out paragraphs checked: " + checked);
    }
}
