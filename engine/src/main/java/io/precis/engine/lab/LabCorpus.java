package io.precis.engine.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lab's text as bytes (the tokens: vocabulary 256): a training stream whose first D tokens a run of budget D
 * reads, each once, and a held-out stream that no run trains on. {@code models/setup-lab-data.sh} makes both files.
 */
public record LabCorpus(byte[] train, byte[] heldOut) {

    /**
     * The default place: {@code $PRECIS_CACHE/lab-corpus}, else {@code ~/.cache/precis/lab-corpus}
     * ({@code PRECIS_CACHE=off} turns the sensitivity cache off and names no folder).
     */
    public static Path defaultDir() {
        String c = System.getenv("PRECIS_CACHE");
        boolean folder = c != null && !c.isBlank() && !c.equalsIgnoreCase("off");
        return (folder ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "precis")).resolve("lab-corpus");
    }

    /** Prints {@link #defaultDir()} (for scripts that must find the corpus as the lab does). */
    public static void main(String[] args) {
        System.out.println(defaultDir());
    }

    /** {@code train.txt} and {@code val.txt} of {@code dir}; a clear message when they are missing. */
    public static LabCorpus load(Path dir) {
        Path t = dir.resolve("train.txt"), v = dir.resolve("val.txt");
        if (!Files.isRegularFile(t) || !Files.isRegularFile(v))
            throw new IllegalArgumentException(dir + ": no train.txt/val.txt; run 'make lab-data' (models/setup-lab-data.sh) first");
        try {
            return new LabCorpus(Files.readAllBytes(t), Files.readAllBytes(v));
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot read the lab corpus: " + e.getMessage(), e);
        }
    }

    /** Token {@code i} of the training stream (a byte as 0..255). */
    public int trainToken(long i) {
        return train[(int) i] & 0xff;
    }

    public int heldOutToken(long i) {
        return heldOut[(int) i] & 0xff;
    }
}
