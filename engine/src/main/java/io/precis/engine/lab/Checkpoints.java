package io.precis.engine.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.precis.engine.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trained cell's latent weights, by name: {@code PLAB1}, the count, then per tensor its name, rank, dims and
 * floats (big-endian). Written atomically, so a cell either has a whole checkpoint or none (and is retrained).
 */
public final class Checkpoints {
    private Checkpoints() {}

    private static final String MAGIC = "PLAB1";

    public static void save(LabLm lm, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeUTF(MAGIC);
                out.writeInt(lm.named().size());
                for (Map.Entry<String, Parameter> e : lm.named().entrySet()) {
                    NDArray a = e.getValue().getArray();
                    out.writeUTF(e.getKey());
                    long[] shape = a.getShape().getShape();
                    out.writeInt(shape.length);
                    for (long d : shape) out.writeLong(d);
                    for (float f : a.toFloatArray()) out.writeFloat(f);
                }
            }
            AtomicFiles.moveInto(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Loads into an initialized model of the same size; a mismatch names the file and the tensor. */
    public static void load(LabLm lm, Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF())) throw new IOException(file + ": not a lab checkpoint");
            int n = in.readInt();
            if (n != lm.named().size()) throw new IOException(file + ": " + n + " tensors, the model has " + lm.named().size());
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                Parameter p = lm.named().get(name);
                if (p == null) throw new IOException(file + ": tensor '" + name + "' is not in a " + lm.size().name() + " model");
                long[] shape = new long[in.readInt()];
                for (int k = 0; k < shape.length; k++) shape[k] = in.readLong();
                if (!java.util.Arrays.equals(shape, p.getArray().getShape().getShape()))
                    throw new IOException(file + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + ", the model " + p.getArray().getShape());
                float[] v = new float[(int) p.getArray().size()];
                for (int k = 0; k < v.length; k++) v[k] = in.readFloat();
                p.getArray().set(v);
            }
        }
    }
}
