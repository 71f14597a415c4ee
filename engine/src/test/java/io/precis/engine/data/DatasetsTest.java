package io.precis.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.model.ModelException;
import io.precis.engine.model.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    @Test
    void theShippedSentenceFileHasEnoughPlainSentences() {
        SentenceSet s = Datasets.sentences(TestFiles.sentences());
        assertEquals(320, s.size());
        assertTrue(s.sentences().stream().noneMatch(x -> x.startsWith("#") || x.isBlank()));
        assertEquals(s.hash(), Datasets.sentences(TestFiles.sentences()).hash(), "content hash is stable");
    }

    @Test
    void sentencesAreDerivedFromTheNpmTextDeterministically() throws IOException {
        Path moby = TestFiles.mobyDickOrSkip();
        List<String> derived = Datasets.extractSentences(Datasets.text(moby).text(), 320, 6, 30);
        assertEquals(Datasets.sentences(TestFiles.sentences()).sentences(), derived, "models/data/sentences.txt is MakeSentences' output");
    }

    @Test
    void splitsAreDisjointSeededAndCoverEverything() {
        List<String> all = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) all.add("sentence " + i);
        SentenceSet s = new SentenceSet("numbers", all);
        Split<SentenceSet> a = Datasets.split(s, 30, 7), b = Datasets.split(s, 30, 7), c = Datasets.split(s, 30, 8);
        assertEquals(30, a.calibration().size());
        assertEquals(70, a.evaluation().size());
        Set<String> cal = new HashSet<>(a.calibration().sentences());
        assertTrue(a.evaluation().sentences().stream().noneMatch(cal::contains), "calibration and evaluation never share a sample");
        Set<String> union = new HashSet<>(cal);
        union.addAll(a.evaluation().sentences());
        assertEquals(100, union.size());
        assertEquals(a.calibration().sentences(), b.calibration().sentences());
        assertNotEquals(a.calibration().sentences(), c.calibration().sentences());
        assertNotEquals(a.calibration().hash(), a.evaluation().hash());
        assertTrue(a.calibration().name().contains("calibration, seed 7"));
        assertThrows(ModelException.class, () -> Datasets.split(s, 100, 1));
    }

    @Test
    void textSplitsCutOneSliceOut() {
        TextCorpus t = new TextCorpus("t", "abcdefghijklmnopqrstuvwxyz".repeat(10));
        Split<TextCorpus> sp = Datasets.split(t, 50, 3);
        assertEquals(50, sp.calibration().size());
        assertEquals(210, sp.evaluation().size());
        assertTrue(t.text().contains(sp.calibration().text()));
    }

    @Test
    void batchesAndWindows() {
        SentenceSet s = new SentenceSet("s", List.of("a", "b", "c", "d", "e"));
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), s.batches(2));
        CharTokenizer tok = CharTokenizer.fromText("abc");
        long[][] w = new TextCorpus("t", "abcabcabca").windows(tok, 3, 10);
        assertEquals(3, w.length);
        assertArrayEquals(new long[] {1, 2, 3, 1}, w[0]);
        assertArrayEquals(new long[] {1, 2, 3, 1}, w[1]);
        assertEquals("ab?".replace('?', '\uFFFD'), tok.decode(new long[] {1, 2, 0}));
        assertEquals(1, tok.unknownCount("abz"));
    }

    @Test
    void fashionMnistFromDebian() {
        Path d = TestFiles.fashionMnistOrSkip();
        ImageSet test = Datasets.fashionMnist(d, "test");
        assertEquals(10000, test.size());
        assertEquals(28, test.height());
        for (int i = 0; i < 10; i++) {
            final int c = i;
            assertEquals(1000, java.util.Arrays.stream(test.labels()).filter(l -> l == c).count(), "class " + c);
        }
        float max = 0;
        for (float f : test.pixels()) max = Math.max(max, f);
        assertEquals(1f, max);
        Split<ImageSet> sp = Datasets.split(test, 1000, 42);
        assertEquals(9000, sp.evaluation().size());
    }

    @Test
    void badDataFilesAreNamed() throws IOException {
        ModelException e = assertThrows(ModelException.class, () -> Datasets.sentences(dir.resolve("nope.txt")));
        assertTrue(e.getMessage().contains("nope.txt: no such file"), e.getMessage());
        Files.writeString(dir.resolve("blank.txt"), "\n# only a comment\n\n");
        e = assertThrows(ModelException.class, () -> Datasets.sentences(dir.resolve("blank.txt")));
        assertTrue(e.getMessage().contains("no sentences"), e.getMessage());
        e = assertThrows(ModelException.class, () -> Datasets.fashionMnist(dir, "test"));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("t10k-images-idx3-ubyte.gz")))) {
            out.write(new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3});
        }
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("t10k-labels-idx1-ubyte.gz")))) {
            out.write(new byte[] {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5});
        }
        e = assertThrows(ModelException.class, () -> Datasets.fashionMnist(dir, "test"));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz") && e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(ModelException.class, () -> Datasets.fashionMnist(dir, "validation"));
        assertTrue(e.getMessage().contains("parts: train, test"), e.getMessage());
    }
}
