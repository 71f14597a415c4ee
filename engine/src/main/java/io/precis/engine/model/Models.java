package io.precis.engine.model;

import ai.djl.MalformedModelException;
import ai.djl.nn.Block;
import io.precis.engine.data.CharTokenizer;
import io.precis.engine.data.HfTokenizer;
import io.precis.engine.data.Tokenizer;
import io.precis.engine.model.blocks.Architectures;
import io.precis.engine.model.djl.BlockBackend;
import io.precis.engine.model.djl.DjlBackend;
import io.precis.engine.model.onnx.OnnxBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Loads models: {@link #load(Path)} for any file a {@link ModelLoader} reads (built in: {@code .onnx},
 * TorchScript {@code .pt}, DJL {@code .params}),
 * {@link #loadFromMaven(String)} for a model shipped inside a Maven artefact, {@link #fromBlock} for a block
 * built in Java. Everything runs offline: DJL never downloads (its natives come from Maven jars).
 */
public final class Models {
    static {
        // No engine, native library or model may be fetched at run time.
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    }

    private Models() {}

    public static Model load(Path file) {
        return load(file, LoadOptions.defaults());
    }

    /** {@link #load(Path)} for a path typed as text (JShell cells, the DSL). */
    public static Model load(String file) {
        return load(Path.of(file), LoadOptions.defaults());
    }

    public static Model load(Path file, LoadOptions options) {
        String where = file.toString();
        if (!Files.exists(file)) throw new ModelException(where, "file not found");
        if (Files.isDirectory(file)) throw new ModelException(where, "is a directory; name the model file in it ("
                + String.join(", ", ModelLoader.all().stream().flatMap(l -> l.extensions().stream()).map(e -> "." + e).toList()) + ")");
        if (!Files.isReadable(file)) throw new ModelException(where, "file is not readable");
        ModelLoader loader = ModelLoader.forFile(file.getFileName().toString()).orElseThrow(() -> {
            String name = file.getFileName().toString();
            String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
            return new ModelException(where, "unknown model file type '." + ext + "'; Precis reads " + readable());
        });
        return loader.load(file, options);
    }

    /** The loaders' file types in words: ".onnx (ONNX (ONNX Runtime)), .pt/.pth/.torchscript (...)...". */
    private static String readable() {
        List<String> parts = new ArrayList<>();
        for (ModelLoader l : ModelLoader.all()) {
            parts.add(String.join("/", l.extensions().stream().map(e -> "." + e).toList()) + " (" + l.name() + ")");
        }
        return String.join(", ", parts);
    }

    /** A self-contained {@code .onnx} file; a {@code <stem>-tokenizer.json} or {@code tokenizer.json} beside it is used. */
    public static Model loadOnnx(Path file, LoadOptions options) {
        String where = file.toString();
        String name = file.getFileName().toString();
        String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        byte[] bytes = read(file);
        Tokenizer tok = siblingTokenizer(file);
        return new Model(stem, where, sha256(bytes), new OnnxBackend(bytes, where, options), tok);
    }

    /**
     * A model over a backend of one's own (a new {@link ModelLoader}'s): {@code source} says where it came from,
     * {@code weightsHash} identifies its weights (the sensitivity cache keys on it), {@code tokenizer} may be null.
     */
    public static Model of(String name, String source, String weightsHash, ModelBackend backend, Tokenizer tokenizer) {
        return new Model(name, source, weightsHash, backend, tokenizer);
    }

    /**
     * A model inside a Maven artefact ({@code group:artifact:version}, optionally {@code !entry/in/jar.onnx}),
     * taken from the class path or the local repository; its tokenizer.json is used when the jar has one.
     */
    public static Model loadFromMaven(String coordinate) {
        return loadFromMaven(coordinate, LoadOptions.defaults());
    }

    public static Model loadFromMaven(String coordinate, LoadOptions options) {
        String coords = coordinate, wanted = null;
        int bang = coordinate.indexOf('!');
        if (bang >= 0) {
            coords = coordinate.substring(0, bang);
            wanted = coordinate.substring(bang + 1).replaceFirst("^/", "");
        }
        Path jar = MavenArtifacts.resolve(coords);
        String where = "maven \"" + coords + "\" (" + jar + ")";
        try (ZipFile z = new ZipFile(jar.toFile())) {
            List<ZipEntry> models = new ArrayList<>();
            ZipEntry tokenizer = null;
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String n = e.getName().toLowerCase(Locale.ROOT);
                if (n.endsWith(".onnx") && (wanted == null || e.getName().equals(wanted))) models.add(e);
                if (n.endsWith(".json") && n.contains("tokenizer") && !n.contains("config")) tokenizer = e;
            }
            if (models.isEmpty())
                throw new ModelException(where, wanted == null ? "the artefact holds no .onnx model" : "the artefact has no entry '" + wanted + "'");
            if (models.size() > 1)
                throw new ModelException(where, "the artefact holds several models; name one with '!': "
                        + models.stream().map(ZipEntry::getName).toList());
            ZipEntry entry = models.get(0);
            byte[] bytes;
            try (InputStream in = z.getInputStream(entry)) {
                bytes = in.readAllBytes();
            }
            String source = "maven:" + coords + "!/" + entry.getName();
            Tokenizer tok = null;
            if (tokenizer != null) {
                try (InputStream in = z.getInputStream(tokenizer)) {
                    tok = HfTokenizer.fromJson(in.readAllBytes(), source.replace(entry.getName(), tokenizer.getName()), 256);
                }
            }
            String name = entry.getName().replaceFirst(".*/", "").replaceFirst("\\.onnx$", "");
            return new Model(name, source, sha256(bytes), new OnnxBackend(bytes, source, options), tok);
        } catch (java.util.zip.ZipException e) {
            throw new ModelException(where, "the jar is not a readable zip (truncated or corrupt): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelException(where, "cannot read the jar: " + e.getMessage(), e);
        }
    }

    /** A DJL {@code .params} file whose architecture is named in the {@code .precis.json} beside it. */
    public static Model loadParams(Path file, LoadOptions options) {
        Sidecar side = Sidecar.read(file);
        String where = file.toString();
        if (side == null) throw new ModelException(where, "a .params file holds weights only; put " + Sidecar.pathFor(file).getFileName()
                + " beside it naming its architecture, or call Models.loadParams(path, block, ...)");
        String sidecar = Sidecar.pathFor(file).toString();
        // sizes are checked before anything is allocated: the file must at least hold one byte per parameter
        long parameters = Architectures.parameterCount(side.architecture(), side.config(), side.input(), sidecar);
        long bytes = fileSize(file);
        checkParamsHeader(file); // not a DJL file at all says more than a size that does not fit
        if (parameters > bytes)
            throw new ModelException(where, String.format(java.util.Locale.ROOT, "cannot load DJL parameters: the file holds only "
                    + "%,d bytes but the 'config' in %s describes %,d parameters (a truncated file, or sizes that are not "
                    + "these weights')", bytes, Sidecar.pathFor(file).getFileName(), parameters));
        Tokenizer tok = side.vocabulary() != null ? new CharTokenizer(side.vocabulary()) : null;
        if (tok != null && side.config().has("vocab") && side.config().get("vocab").asInt() != tok.vocabularySize())
            throw new ModelException(sidecar, "'config.vocab' is " + side.config().get("vocab").asInt() + " but 'vocabulary' has "
                    + (tok.vocabularySize() - 1) + " characters, so vocab must be " + tok.vocabularySize() + " (one more, for unknown characters)");
        Block block = Architectures.create(side.architecture(), side.config(), sidecar);
        ModelTask task = options.task() != null ? options.task() : side.task() != null ? side.task() : ModelTask.CLASSIFIER;
        int[] image = side.input() != null && side.input().length == 3 ? side.input() : null;
        Model model = loadParams(file, block, task, image, tok, options);
        try {
            checkShapes(model, Architectures.create(side.architecture(), side.config(), sidecar), image, side.config().path("context").asInt(8), where);
        } catch (ModelException e) {
            model.close();
            throw e;
        }
        return model;
    }

    private static long fileSize(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelException(file.toString(), Files.isDirectory(file) ? "is a directory, not a model file" : "file not found");
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new ModelException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    /** Every parameter in the file must have the shape the named architecture gives it. */
    private static void checkShapes(Model loaded, Block reference, int[] image, int context, String where) {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), DjlBackend.ENGINE)) {
            reference.setInitializer(new ai.djl.training.initializer.ConstantInitializer(0f), ai.djl.nn.Parameter.Type.WEIGHT);
            reference.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, image != null
                    ? new ai.djl.ndarray.types.Shape(1, image[0], image[1], image[2]) : new ai.djl.ndarray.types.Shape(1, context));
            java.util.Map<String, ai.djl.nn.Parameter> expected = new java.util.LinkedHashMap<>();
            BlockBackend.collect(reference, "", expected);
            for (LayerRef l : loaded.layers()) {
                for (TensorRef t : l.tensors()) {
                    ai.djl.nn.Parameter p = expected.get(t.name());
                    if (p == null) throw new ModelException(where, "parameter '" + t.name() + "' is not part of the architecture");
                    long[] want = p.getArray().getShape().getShape();
                    if (!java.util.Arrays.equals(want, t.shape()))
                        throw new ModelException(where, "the weights do not fit the architecture: '" + t.name() + "' is "
                                + java.util.Arrays.toString(t.shape()) + " in the file but " + java.util.Arrays.toString(want)
                                + " in the architecture");
                }
            }
        }
    }

    /** A DJL {@code .params} file into a block defined in Java. {@code imageShape} is {c,h,w}, or null for text. */
    public static Model loadParams(Path file, Block block, ModelTask task, int[] imageShape, Tokenizer tokenizer, LoadOptions options) {
        String where = file.toString();
        if (!Files.isRegularFile(file)) throw new ModelException(where, "file not found");
        checkParamsHeader(file);
        String stem = file.getFileName().toString().replaceFirst("\\.params$", "");
        String name = stem.replaceFirst("-\\d{4}$", "");
        ai.djl.Model m = ai.djl.Model.newInstance(name, DjlBackend.device(options.device()), DjlBackend.ENGINE);
        try {
            m.setBlock(block);
            // DJL finds <name>-<epoch>.params itself; name the epoch so it reads this very file
            java.util.regex.Matcher ep = java.util.regex.Pattern.compile("-(\\d{4})$").matcher(stem);
            java.util.Map<String, Object> opts = ep.find() ? java.util.Map.of("epoch", Integer.parseInt(ep.group(1))) : java.util.Map.of();
            m.load(file.toAbsolutePath().getParent(), name, opts);
            BlockBackend backend = new BlockBackend(where, m, task, imageShape);
            checkFits(backend, block, imageShape, where);
            return new Model(name, where, sha256(file), backend, tokenizer);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            m.close();
            if (e instanceof ModelException me) throw me;
            String why = e instanceof java.io.EOFException ? "file ends early (truncated)" : String.valueOf(e.getMessage());
            throw new ModelException(where, "cannot load DJL parameters into " + block.getClass().getSimpleName() + ": " + why, e);
        }
    }

    /**
     * DJL takes each parameter's shape from the file, so weights of another architecture load "fine"; one
     * forward pass on a dummy input shows whether they fit the block.
     */
    private static void checkFits(BlockBackend backend, Block block, int[] imageShape, String where) {
        ModelInput probe = imageShape != null
                ? new ModelInput.Images(new float[imageShape[0] * imageShape[1] * imageShape[2]], 1, imageShape[0], imageShape[1], imageShape[2])
                : new ModelInput.Tokens(new long[][] {{1, 1, 1, 1}}, new long[][] {{1, 1, 1, 1}});
        try {
            backend.forward(probe);
        } catch (ModelException e) {
            backend.close();
            throw new ModelException(where, "cannot load DJL parameters into " + block.getClass().getSimpleName()
                    + ": the weights do not fit this architecture (" + firstLine(e.getCause() != null ? e.getCause().getMessage() : e.reason()) + ")", e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** DJL parameter files start with the magic "DJL@" and a version; anything else never reaches the engine. */
    private static void checkParamsHeader(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8 || head[0] != 'D' || head[1] != 'J' || head[2] != 'L' || head[3] != '@')
                throw new ModelException(file.toString(), head.length == 0 ? "file is empty" : "not a DJL .params file (no DJL@ header)");
        } catch (IOException e) {
            throw new ModelException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * A block built in Java, already initialized (or trained). The model hash is taken over its initial weights.
     */
    public static Model fromBlock(String name, ai.djl.Model djlModel, ModelTask task, int[] imageShape, Tokenizer tokenizer) {
        BlockBackend b = new BlockBackend(name, djlModel, task, imageShape);
        Model tmp = new Model(name, "block:" + djlModel.getBlock().getClass().getSimpleName(), "", b, tokenizer);
        return new Model(name, tmp.source(), tmp.weightsHash(), b, tokenizer);
    }

    private static Tokenizer siblingTokenizer(Path model) {
        String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        for (Path p : List.of(model.resolveSibling(stem + "-tokenizer.json"), model.resolveSibling("tokenizer.json"))) {
            if (Files.isRegularFile(p)) return HfTokenizer.fromJson(read(p), p.toString(), 256);
        }
        return null;
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new ModelException(p.toString(), "cannot read: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new ModelException(p.toString(), "too large to hold in memory (" + e.getMessage() + ")");
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ModelException(file.toString(), "cannot read: " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
