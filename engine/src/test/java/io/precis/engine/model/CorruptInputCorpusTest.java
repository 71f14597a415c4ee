package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.data.DataOptions;
import io.precis.engine.data.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corrupt-input corpus: truncated and random files of every model type (.onnx, .pt, .params with its
 * .precis.json), bad model descriptions and odd data files. The rule for each: a ModelException whose
 * message names the file (and, for a description, the key), no engine exception text, and every input
 * file's bytes unchanged afterwards.
 */
class CorruptInputCorpusTest {
    @TempDir
    Path dir;

    private final List<String> checked = new ArrayList<>();

    /** Runs {@code load}, expecting a clear error naming {@code file} and saying each of {@code words}. */
    private void clearError(String file, Executable load, String... words) throws IOException {
        Map<Path, String> before = hashes();
        ModelException e = assertThrows(ModelException.class, load, file);
        String m = e.getMessage();
        assertTrue(m.contains(file), "names " + file + ": " + m);
        for (String w : words) assertTrue(m.contains(w), "says '" + w + "': " + m);
        for (String engineText : List.of("ai.djl", "Exception", "at java.", "c10::", "ORT_", "\n\tat "))
            assertFalse(m.contains(engineText), "no engine text '" + engineText + "': " + m);
        assertEquals(before, hashes(), "input files unchanged after " + file);
        checked.add(file);
    }

    private Map<Path, String> hashes() throws IOException {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                try {
                    out.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Cuts at the first byte, a few early offsets, the middle and one short of the end. */
    private static int[] cuts(int length) {
        return new int[] {1, 8, 64, length / 10, length / 2, length - 1};
    }

    @Test
    void truncatedAndRandomModelFilesOfEveryType() throws IOException {
        byte[] onnx = TinyOnnx.linear("MatMul", "");
        for (int cut : cuts(onnx.length)) {
            String name = "cut" + cut + ".onnx";
            { Path f = write(name, Arrays.copyOf(onnx, cut)); clearError(name, () -> Models.load(f)); }
        }
        byte[] pt = Files.readAllBytes(TestFiles.models("torchscript/fashion_cnn.pt"));
        for (int cut : cuts(pt.length)) {
            String name = "cut" + cut + ".pt";
            { Path f = write(name, Arrays.copyOf(pt, cut)); clearError(name, () -> Models.load(f)); }
        }
        byte[] params = Files.readAllBytes(TestFiles.models("trained/fashion-mlp-0000.params"));
        String side = Files.readString(TestFiles.models("trained/fashion-mlp.precis.json"));
        for (int cut : cuts(params.length)) {
            String stem = "cut" + cut;
            Files.writeString(dir.resolve(stem + ".precis.json"), side);
            { Path f = write(stem + "-0000.params", Arrays.copyOf(params, cut)); clearError(stem + "-0000.params", () -> Models.load(f)); }
        }
        for (long seed = 1; seed <= 3; seed++) {
            for (String ext : List.of("onnx", "pt", "params")) {
                String name = "noise" + seed + "-0000." + ext;
                if (ext.equals("params")) Files.writeString(dir.resolve("noise" + seed + ".precis.json"), side);
                byte[] noise = random((int) (seed * 3000), seed);
                { Path f = write(name, noise); clearError(name, () -> Models.load(f)); }
            }
        }
        // the right header, then noise: it reaches DJL's reader and must still come back as a clear error
        byte[] headed = random(20_000, 9);
        System.arraycopy(params, 0, headed, 0, 64);
        Files.writeString(dir.resolve("headed.precis.json"), side);
        { Path f = write("headed-0000.params", headed); clearError("headed-0000.params", () -> Models.load(f)); }
        assertTrue(checked.size() >= 28, "the corpus ran: " + checked.size());
    }

    @Test
    void badModelDescriptionsNameTheFileTheKeyAndTheRange() throws IOException {
        byte[] params = Files.readAllBytes(TestFiles.models("trained/char-lm-0000.params"));
        String good = Files.readString(TestFiles.models("trained/char-lm.precis.json"));
        String config = "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 4, \"depth\": 2}";
        assertTrue(good.contains(config), "the committed description is the one these cases edit");
        Map<String, String[]> cases = new TreeMap<>();
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 0, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.width'", "from 1 to 65536", "found 0"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": -5, \"width\": 64, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.context'", "from 1 to 65536", "found -5"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 3, \"depth\": 2}"),
                new String[] {"'config.heads' (3) must divide 'config.width' (64)"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 0, \"depth\": 2}"),
                new String[] {"'config.heads'", "from 1 to 64"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": \"64\", \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.width'", "found a string \"64\""});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 64.5, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.width'", "an integer", "found 64.5"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 65536, \"heads\": 4, \"depth\": 1024}"),
                new String[] {"describes", "parameters", "at most"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 1024, \"heads\": 4, \"depth\": 8}"),
                new String[] {"char-lm-0000.params", "holds only", "parameters"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 99999999999999999999, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.width'", "from 1 to 65536"});
        cases.put(good.replace(config + ",", ""), new String[] {"'config' is missing"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.width' is missing"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 4, \"depth\": 2, \"dropout\": 1}"),
                new String[] {"unknown key 'config.dropout'", "allowed in 'config': context, depth, heads, vocab, width"});
        cases.put(good.replace("\"task\"", "\"tsak\""), new String[] {"unknown key 'tsak'"});
        cases.put(good.replace(config, "\"config\": [84, 64]"), new String[] {"'config' must be an object"});
        cases.put(good.replace(config, "\"config\": {\"vocab\": 85, \"context\": 64, \"width\": 64, \"heads\": 4, \"depth\": 2}"),
                new String[] {"'config.vocab' is 85", "must be 84"});
        cases.put(good.replace("\"architecture\": \"char-transformer\"", "\"architecture\": 7"), new String[] {"'architecture' must be a string"});
        cases.put(good.replace("\"task\": \"language-model\"", "\"task\": \"language-model\", \"input\": [1, -28]"),
                new String[] {"'input[1]'", "from 1 to 65536"});
        cases.put("[1, 2, 3]", new String[] {"must hold a JSON object"});
        cases.put("{\"architecture\": \"char-transformer\", ", new String[] {"not valid JSON"});
        cases.put("", new String[] {"must hold a JSON object"});
        int i = 0;
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            String stem = "lm" + i++;
            Files.writeString(dir.resolve(stem + ".precis.json"), c.getKey());
            Path file = write(stem + "-0000.params", params);
            String named = c.getValue()[0].equals("char-lm-0000.params") ? stem + "-0000.params" : stem + ".precis.json";
            String[] words = c.getValue()[0].equals("char-lm-0000.params") ? Arrays.copyOfRange(c.getValue(), 1, c.getValue().length) : c.getValue();
            clearError(named, () -> Models.load(file), words);
        }
        // and the committed description itself still loads
        Files.writeString(dir.resolve("ok.precis.json"), good);
        try (Model m = Models.load(write("ok-0000.params", params))) {
            assertEquals(16, m.layers().size());
        }
    }

    @Test
    void parameterCountsAreTheBlocksOwn() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String[] c : new String[][] {
            {"char-transformer", "{\"vocab\": 84, \"context\": 64, \"width\": 64, \"heads\": 4, \"depth\": 2}", "1,64"},
            {"char-transformer", "{\"vocab\": 7, \"context\": 8, \"width\": 12, \"heads\": 3, \"depth\": 3}", "1,8"},
            {"fashion-mlp", "{\"hidden1\": 256, \"hidden2\": 128, \"classes\": 10}", "1,1,28,28"},
            {"fashion-mlp", "{\"hidden1\": 5, \"hidden2\": 3, \"classes\": 2}", "1,1,4,6"},
        }) {
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
                com.fasterxml.jackson.databind.JsonNode config = json.readTree(c[1]);
                ai.djl.nn.Block b = io.precis.engine.model.blocks.Architectures.create(c[0], config, "test");
                long[] shape = Arrays.stream(c[2].split(",")).mapToLong(Long::parseLong).toArray();
                b.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(shape));
                long real = 0;
                for (var p : b.getParameters()) real += p.getValue().getArray().size();
                int[] input = shape.length == 4 ? new int[] {(int) shape[1], (int) shape[2], (int) shape[3]} : null;
                assertEquals(real, io.precis.engine.model.blocks.Architectures.parameterCount(c[0], config, input, "test"), c[1]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void oddDataFiles() throws Exception {
        DataOptions sentences = DataOptions.defaults();
        { Path f = write("empty.txt", new byte[0]); clearError("empty.txt", () -> Datasets.load(f, sentences), "holds no sentences"); }
        { Path f = write("blank.txt", "\n\n# only a comment\n".getBytes()); clearError("blank.txt", () -> Datasets.load(f, sentences), "holds no sentences"); }
        { Path f = write("empty-text.txt", new byte[0]); clearError("empty-text.txt", () -> Datasets.load(f, DataOptions.defaults().kind("text")), "is empty"); }
        { Path f = write("binary.bin", random(5000, 4)); clearError("binary.bin", () -> Datasets.load(f, sentences), "not UTF-8 text"); }
        Path folder = Files.createDirectory(dir.resolve("folder"));
        clearError("folder", () -> Datasets.load(folder, sentences), "is a directory");
        clearError("folder", () -> Datasets.text(folder), "is a directory");
        clearError("missing.txt", () -> Datasets.load(dir.resolve("missing.txt"), sentences), "file not found");
        String huge = "word ".repeat(20_000);
        Path hugeFile = write("huge-line.txt", ("short line\n" + huge + "\n").getBytes());
        clearError("huge-line.txt", () -> Datasets.load(hugeFile, sentences), "line 2 holds 100,000 characters", "kind = text");
        // the same line is fine as a text corpus
        assertEquals(11 + 100_000 + 1, ((io.precis.engine.data.TextCorpus) Datasets.load(dir.resolve("huge-line.txt"),
                DataOptions.defaults().kind("text"))).text().length());
        Path fifo = dir.resolve("pipe.txt");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        clearError("pipe.txt", () -> Datasets.load(fifo, sentences), "not a regular file");
    }

    @Test
    void dataOptionsAreRangeChecked() {
        for (double bad : new double[] {-1, 0, 0.5, 1e308, Double.NaN, Double.POSITIVE_INFINITY, 2147483648.0}) {
            ModelException e = assertThrows(ModelException.class, () -> DataOptions.defaults().limit(bad), "limit " + bad);
            assertTrue(e.getMessage().contains("option limit: must be a whole number of sentences from 1 to 2147483647"), e.getMessage());
        }
        assertTrue(assertThrows(ModelException.class, () -> DataOptions.defaults().limit(0.5)).getMessage().endsWith("not 0.5"));
        assertTrue(assertThrows(ModelException.class, () -> DataOptions.defaults().limit(-1)).getMessage().endsWith("not -1"));
        assertEquals(3, DataOptions.defaults().limit(3).limit());
        assertEquals("text", DataOptions.defaults().kind("TEXT").kind());
        assertTrue(assertThrows(ModelException.class, () -> DataOptions.defaults().kind("images")).getMessage()
                .contains("unknown data kind 'images'"));
        assertTrue(assertThrows(ModelException.class, () -> Datasets.load(TestFiles.sentences(),
                DataOptions.defaults().kind("text").limit(3))).getMessage().contains("counts sentences"));
        assertEquals(5, Datasets.load(TestFiles.sentences(), DataOptions.defaults().limit(5)).size());
    }
}
