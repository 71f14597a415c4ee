package io.precis.engine.data;

import io.precis.engine.model.ModelException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/** Reads and splits datasets: sentence files, text, Fashion-MNIST IDX files. */
public final class Datasets {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private Datasets() {}

    /** Data files are read whole into memory. */
    public static final long MAX_FILE_BYTES = 1L << 30;
    /** A longer line is taken for a file that is not one sentence per line. */
    public static final int MAX_SENTENCE_CHARS = 65_536;

    /** One sentence per line; blank lines and lines starting with '#' are skipped. */
    public static SentenceSet sentences(Path file) {
        List<String> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : readText(file).split("\\R")) {
            lineNo++;
            if (line.length() > MAX_SENTENCE_CHARS)
                throw new ModelException(file.toString(), String.format(java.util.Locale.ROOT, "line %d holds %,d characters; "
                        + "a sentence is at most %,d (for a text corpus, load it with kind = text)", lineNo, line.length(), MAX_SENTENCE_CHARS));
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) out.add(s);
        }
        if (out.isEmpty()) throw new ModelException(file.toString(), "holds no sentences");
        return new SentenceSet(file.getFileName().toString(), out);
    }

    /** {@link #sentences(Path)} for a path typed as text. */
    public static SentenceSet sentences(String file) {
        return sentences(Path.of(file));
    }

    public static SentenceSet sentences(String name, List<String> sentences) {
        if (sentences.isEmpty()) throw new ModelException(name, "holds no sentences");
        return new SentenceSet(name, sentences);
    }

    public static TextCorpus text(Path file) {
        String t = readText(file);
        if (t.isEmpty()) throw new ModelException(file.toString(), "is empty");
        return new TextCorpus(file.getFileName().toString(), t);
    }

    /**
     * A data file read as {@code options} say: sentences (the first {@code limit} when one is set) or a text
     * corpus. Errors name the file: no such file, a directory, empty, not UTF-8 text.
     */
    public static Dataset load(Path file, DataOptions options) {
        if (options.kind().equals(DataOptions.TEXT)) {
            if (options.limited())
                throw new ModelException("option limit", "counts sentences; a text corpus (kind = text) is read whole");
            return text(file);
        }
        SentenceSet s = sentences(file);
        return options.limited() && s.size() > options.limit() ? s.first(options.limit()) : s;
    }

    private static String readText(Path file) {
        if (Files.isDirectory(file)) throw new ModelException(file.toString(), "is a directory, not a data file");
        if (!Files.exists(file)) throw new ModelException(file.toString(), "file not found");
        if (!Files.isRegularFile(file)) throw new ModelException(file.toString(), "is not a regular file (a FIFO, device or socket)");
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES)
                throw new ModelException(file.toString(), String.format(java.util.Locale.ROOT,
                        "is %,d bytes; data files are read into memory, at most %,d", size, MAX_FILE_BYTES));
        } catch (IOException e) {
            throw new ModelException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ModelException(file.toString(), "not UTF-8 text");
        } catch (IOException e) {
            throw new ModelException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    /** Fashion-MNIST from Debian's package: {@code train} (60000 images) or {@code test} (10000). */
    public static ImageSet fashionMnist(String part) {
        return fashionMnist(FASHION_MNIST, part);
    }

    public static ImageSet fashionMnist(Path dir, String part) {
        String prefix = switch (part) {
            case "train" -> "train";
            case "test" -> "t10k";
            default -> throw new ModelException("fashion-mnist part '" + part + "'", "unknown part; parts: train, test");
        };
        Path images = idx(dir, prefix + "-images-idx3-ubyte"), labels = idx(dir, prefix + "-labels-idx1-ubyte");
        int[] lb = readLabels(labels);
        int[] dims = new int[3];
        byte[] px = readImages(images, dims);
        if (dims[0] != lb.length)
            throw new ModelException(images.toString(), dims[0] + " images but " + labels.getFileName() + " has " + lb.length + " labels");
        float[] f = new float[px.length];
        for (int i = 0; i < px.length; i++) f[i] = (px[i] & 0xff) / 255f;
        return new ImageSet("fashion-mnist " + part, f, lb, 1, dims[1], dims[2]);
    }

    private static Path idx(Path dir, String base) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new ModelException(dir.resolve(base + ".gz").toString(), "Fashion-MNIST file not found; install Debian's "
                + "dataset-fashion-mnist package ('make models-data' does it)");
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = Files.newInputStream(p);
        if (p.toString().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    }

    private static int[] readLabels(Path p) {
        try (DataInputStream in = open(p)) {
            int magic = in.readInt();
            if (magic != 0x801) throw new ModelException(p.toString(), "not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            int n = in.readInt();
            byte[] b = new byte[n];
            in.readFully(b);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = b[i];
            return out;
        } catch (IOException e) {
            throw new ModelException(p.toString(), "cannot read IDX labels (truncated or corrupt): " + e.getMessage(), e);
        }
    }

    private static byte[] readImages(Path p, int[] dims) {
        try (DataInputStream in = open(p)) {
            int magic = in.readInt();
            if (magic != 0x803) throw new ModelException(p.toString(), "not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            dims[0] = in.readInt();
            dims[1] = in.readInt();
            dims[2] = in.readInt();
            byte[] b = new byte[dims[0] * dims[1] * dims[2]];
            in.readFully(b);
            return b;
        } catch (IOException e) {
            throw new ModelException(p.toString(), "cannot read IDX images (truncated or corrupt): " + e.getMessage(), e);
        }
    }

    /** A seeded permutation of {@code 0..n-1} (Fisher-Yates on SplittableRandom: same seed, same order everywhere). */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    /** Calibration gets {@code calibrationSize} sentences, evaluation the rest; disjoint, seeded. */
    public static Split<SentenceSet> split(SentenceSet data, int calibrationSize, long seed) {
        int[][] parts = cut(data.size(), calibrationSize, seed, data.name());
        return new Split<>(data.subset("calibration, seed " + seed, parts[0]), data.subset("evaluation, seed " + seed, parts[1]), seed);
    }

    public static Split<ImageSet> split(ImageSet data, int calibrationSize, long seed) {
        int[][] parts = cut(data.size(), calibrationSize, seed, data.name());
        return new Split<>(data.subset("calibration, seed " + seed, parts[0]), data.subset("evaluation, seed " + seed, parts[1]), seed);
    }

    /** Text is cut, not shuffled (neighbouring characters belong together): calibration is a seeded slice. */
    public static Split<TextCorpus> split(TextCorpus data, int calibrationSize, long seed) {
        int n = data.size();
        if (calibrationSize <= 0 || calibrationSize >= n)
            throw new ModelException(data.name(), "cannot take " + calibrationSize + " calibration characters from " + n);
        int start = new SplittableRandom(seed).nextInt(n - calibrationSize + 1);
        String t = data.text();
        TextCorpus cal = data.slice("calibration, seed " + seed, start, start + calibrationSize);
        TextCorpus eval = new TextCorpus(data.name() + " [evaluation, seed " + seed + "]", t.substring(0, start) + t.substring(start + calibrationSize));
        return new Split<>(cal, eval, seed);
    }

    private static int[][] cut(int n, int k, long seed, String name) {
        if (k <= 0 || k >= n) throw new ModelException(name, "cannot take " + k + " calibration samples from " + n + "; leave some for evaluation");
        int[] p = permutation(n, seed);
        int[] a = java.util.Arrays.copyOfRange(p, 0, k), b = java.util.Arrays.copyOfRange(p, k, n);
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(b);
        return new int[][] {a, b};
    }

    /**
     * Sentences from a running text, deterministically: split at sentence ends, keep those of
     * {@code minWords..maxWords} words with plain characters, take every k-th so they spread over the text.
     */
    public static List<String> extractSentences(String text, int count, int minWords, int maxWords) {
        String flat = text.replaceAll("\\s+", " ");
        List<String> candidates = new ArrayList<>();
        for (String s : flat.split("(?<=[.!?])\\s+")) {
            s = s.strip();
            int words = s.isEmpty() ? 0 : s.split(" ").length;
            if (words >= minWords && words <= maxWords && Character.isUpperCase(s.charAt(0)) && !s.contains("CHAPTER")
                    && s.chars().allMatch(c -> c < 128 || c == '\u2014' || c == '\u2019' || c == '\u201c' || c == '\u201d'))
                candidates.add(s);
        }
        if (candidates.size() < count)
            throw new ModelException("text", "only " + candidates.size() + " sentences of " + minWords + ".." + maxWords + " words; " + count + " wanted");
        List<String> out = new ArrayList<>(count);
        double step = candidates.size() / (double) count;
        for (int i = 0; i < count; i++) out.add(candidates.get((int) (i * step)));
        return out;
    }
}
