package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.precis.engine.data.CharTokenizer;
import io.precis.engine.data.ImageSet;
import io.precis.engine.data.SentenceSet;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.model.blocks.CharTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets a ModelException naming the file or thing and the reason; nothing crashes the JVM. */
class BadInputTest {
    @TempDir
    Path dir;

    static ModelException fails(Executable e, String thing, String... reason) {
        ModelException ex = assertThrows(ModelException.class, e);
        assertTrue(ex.getMessage().contains(thing), "message names '" + thing + "': " + ex.getMessage());
        for (String r : reason) assertTrue(ex.getMessage().contains(r), "message says '" + r + "': " + ex.getMessage());
        return ex;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    // ---- ONNX ------------------------------------------------------------------------------------------

    @Test
    void aTinyOnnxGraphIsNamedByNodeScope() throws IOException {
        try (Model m = Models.load(write("tiny.onnx", TinyOnnx.linear("MatMul", "")))) {
            assertEquals(List.of("fc"), m.layers().stream().map(LayerRef::name).toList());
            assertEquals(LayerKind.HEAD, m.layer("fc").kind(), "it feeds the graph output through its bias");
            ModelOutput y = m.forward(new ModelInput.Images(new float[] {1, 0, 0, 0}, 1, 1, 1, 4));
            assertArrayEquals(new float[] {1.1f, 2.2f, 3.3f}, y.values(), 1e-6f);
        }
    }

    @Test
    void onnxFiles() throws IOException {
        byte[] good = TinyOnnx.linear("MatMul", "");
        fails(() -> Models.load(dir.resolve("missing.onnx")), "missing.onnx", "file not found");
        fails(() -> Models.load(write("empty.onnx", new byte[0])), "empty.onnx", "empty");
        fails(() -> Models.load(write("truncated.onnx", Arrays.copyOf(good, good.length - 20))), "truncated.onnx", "not a valid ONNX model");
        byte[] noise = new byte[4096];
        new java.util.Random(1).nextBytes(noise);
        fails(() -> Models.load(write("noise.onnx", noise)), "noise.onnx", "ONNX");
        fails(() -> Models.load(write("text.onnx", "hello, I am not a model".getBytes())), "text.onnx", "ONNX");
        fails(() -> Models.load(write("op.onnx", TinyOnnx.linear("NoSuchOp", ""))), "op.onnx", "unsupported operator 'NoSuchOp'");
        fails(() -> Models.load(write("custom.onnx", TinyOnnx.linear("Fancy", "com.example"))), "custom.onnx",
                "unsupported operator 'com.example::Fancy'");
        fails(() -> Models.load(write("model.bin", good)), "model.bin", "unknown model file type");
        fails(() -> Models.load(dir), dir.toString(), "directory");
    }

    // ---- TorchScript -----------------------------------------------------------------------------------

    @Test
    void torchScriptFiles() throws IOException {
        byte[] good = Files.readAllBytes(TestFiles.models("torchscript/fashion_cnn.pt"));
        fails(() -> Models.load(dir.resolve("missing.pt")), "missing.pt", "file not found");
        fails(() -> Models.load(write("half.pt", Arrays.copyOf(good, good.length / 2))), "half.pt", "not a TorchScript file", "truncated");
        byte[] flipped = good.clone();
        for (int i = 0; i < 64; i++) flipped[good.length / 2 + i] ^= (byte) 0x5a;
        fails(() -> Models.load(write("flipped.pt", flipped)), "flipped.pt", "corrupt TorchScript archive", "checksum");
        ByteArrayOutputStreamZip zip = new ByteArrayOutputStreamZip();
        zip.add("archive/notes.txt", "hello");
        fails(() -> Models.load(write("plain.pt", zip.bytes())), "plain.pt", "not a TorchScript archive");
        fails(() -> Models.load(write("pickle.pt", "\u0080\u0002}q\u0000.".getBytes())), "pickle.pt", "not a TorchScript file");
    }

    // ---- DJL .params -----------------------------------------------------------------------------------

    @Test
    void djlParamsFiles() throws IOException {
        Path good = TestFiles.models("trained/fashion-mlp-0000.params");
        byte[] bytes = Files.readAllBytes(good);
        String side = Files.readString(TestFiles.models("trained/fashion-mlp.precis.json"));
        fails(() -> Models.load(dir.resolve("missing-0000.params")), "missing-0000.params", "file not found");
        fails(() -> Models.load(write("alone-0000.params", bytes)), "alone-0000.params", "alone.precis.json", "architecture");

        Files.writeString(dir.resolve("cut.precis.json"), side);
        fails(() -> Models.load(write("cut-0000.params", Arrays.copyOf(bytes, 5000))), "cut-0000.params", "cannot load DJL parameters");

        Files.writeString(dir.resolve("junk.precis.json"), side);
        fails(() -> Models.load(write("junk-0000.params", "PK not params at all".getBytes())), "junk-0000.params", "no DJL@ header");

        Files.writeString(dir.resolve("other.precis.json"), side.replace("\"hidden1\": 256", "\"hidden1\": 100"));
        fails(() -> Models.load(write("other-0000.params", bytes)), "other-0000.params", "do not fit the architecture",
                "'fc1.weight' is [256, 784] in the file but [100, 784]");

        Files.writeString(dir.resolve("arch.precis.json"), side.replace("fashion-mlp\"", "resnet-9000\""));
        fails(() -> Models.load(write("arch-0000.params", bytes)), "arch.precis.json", "unknown architecture 'resnet-9000'");
    }

    // ---- Maven -----------------------------------------------------------------------------------------

    @Test
    void mavenCoordinates() {
        fails(() -> Models.loadFromMaven("org.example:no-such-model:9.9.9"), "org.example:no-such-model:9.9.9", "does not resolve",
                "downloads nothing");
        fails(() -> Models.loadFromMaven("not a coordinate"), "not a coordinate", "groupId:artifactId:version");
        fails(() -> Models.loadFromMaven("org.junit.jupiter:junit-jupiter-api:5.14.4"), "junit-jupiter-api", "holds no .onnx model");
        fails(() -> Models.loadFromMaven(TestFiles.MINILM + "!nothing/here.onnx"), "langchain4j", "no entry 'nothing/here.onnx'");
    }

    // ---- data that does not fit the model ---------------------------------------------------------------

    @Test
    void datasetsThatDoNotMatchTheModel() {
        try (Model cnn = Models.load(TestFiles.models("torchscript/fashion_cnn.pt"))) {
            SentenceSet s = new SentenceSet("two.txt", List.of("a sentence", "another one"));
            fails(() -> new Evaluator(cnn, s), "dataset 'two.txt'", "does not match model 'fashion_cnn'", "2 sentences", "images 1x28x28");
            ImageSet small = new ImageSet("small", new float[2 * 14 * 14], new int[] {0, 1}, 1, 14, 14);
            fails(() -> new Evaluator(cnn, small), "dataset 'small'", "1x14x14", "the model takes images 1x28x28");
            ImageSet manyClasses = new ImageSet("labels", new float[2 * 28 * 28], new int[] {3, 42}, 1, 28, 28);
            fails(() -> new Evaluator(cnn, manyClasses).evaluate(), "dataset 'labels'", "10 classes", "labels go up to 42");
        }
        CharTokenizer tok = CharTokenizer.fromText("abcdefgh ");
        try (Model lm = untrainedLm(tok)) {
            fails(() -> new Evaluator(lm, new TextCorpus("greek", "αβγδεζηθ ".repeat(50))), "dataset 'greek'",
                    "not in the model's vocabulary");
            fails(() -> new Evaluator(lm, new TextCorpus("short", "abc")).evaluate(), "dataset 'short'", "shorter than one context");
            ImageSet img = new ImageSet("img", new float[28 * 28], new int[] {1}, 1, 28, 28);
            fails(() -> new Evaluator(lm, img), "dataset 'img'", "text (token ids)");
        }
    }

    @Test
    void devices() {
        fails(() -> Models.load(TestFiles.models("torchscript/fashion_cnn.pt"), LoadOptions.defaults().device("tpu")), "tpu", "cpu, gpu");
        // the machines here have no GPU build of libtorch: gpu falls back to the cpu with one warning, and says so
        boolean gpu = ai.djl.engine.Engine.getEngine("PyTorch").hasCapability(ai.djl.engine.StandardCapabilities.CUDA);
        for (String file : List.of("torchscript/fashion_cnn.pt", "trained/fashion-mlp-0000.params")) {
            try (Model m = Models.load(TestFiles.models(file), LoadOptions.defaults().device("gpu"))) {
                assertEquals(gpu ? "gpu(0)" : "cpu", m.device(), file);
                // and it works there: a swap changes the outputs, a restore gives them back exactly
                ModelInput in = new ModelInput.Images(new float[2 * 28 * 28], 2, 1, 28, 28);
                float[] full = m.forward(in).values();
                m.swap(m.layers().get(0), WeightTransform.fakeQuantize(io.precis.engine.format.Formats.intN(2)));
                m.restoreAll();
                assertArrayEquals(full, m.forward(in).values(), 0f);
            }
        }
        String msg = Devices.fallback("PyTorch", "test");
        assertTrue(msg.contains("gpu requested") && msg.contains("running on cpu"), msg);
    }

    @Test
    void layerNamesThatDoNotExistSuggestTheClosest() {
        try (Model cnn = Models.load(TestFiles.models("torchscript/fashion_cnn.pt"))) {
            fails(() -> cnn.layer("fc2"), "fc2", "no such layer", "closest: fc1");
        }
    }

    static Model untrainedLm(CharTokenizer tok) {
        ai.djl.Model m = ai.djl.Model.newInstance("untrained-lm", Device.cpu(), "PyTorch");
        CharTransformer block = new CharTransformer(tok.vocabularySize(), 16, 16, 2, 1);
        block.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        block.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 16));
        m.setBlock(block);
        return Models.fromBlock("untrained-lm", m, ModelTask.LANGUAGE_MODEL, null, tok);
    }

    /** A zip built in memory. */
    static final class ByteArrayOutputStreamZip {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        private final ZipOutputStream zip = new ZipOutputStream(out);

        void add(String name, String content) throws IOException {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content.getBytes());
            zip.closeEntry();
        }

        byte[] bytes() throws IOException {
            zip.close();
            return out.toByteArray();
        }
    }

}
