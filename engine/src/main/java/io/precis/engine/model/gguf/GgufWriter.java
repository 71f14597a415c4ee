package io.precis.engine.model.gguf;

import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.format.ggml.GgmlQuants;
import io.precis.engine.format.ggml.GgmlType;
import io.precis.engine.io.AtomicFiles;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.TensorRef;
import io.precis.engine.plan.Plan;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes GGUF files (version 3, little-endian): metadata as given, tensors each in its own ggml type (mixed
 * precision per tensor, as llama.cpp allows), quantized with llama.cpp's reference quantizers while streaming, so
 * memory holds one tensor at a time. Files are written whole or not at all ({@link AtomicFiles}).
 *
 * <pre>{@code
 * GgufWriter.write(model, plan, Path.of("mixed.gguf"));   // the model's own GGUF, planned layers re-quantized
 * }</pre>
 */
public final class GgufWriter {

    /** One tensor to write: its ggml dimensions, type, and either its stored bytes or float32 values to quantize. */
    public record Tensor(String name, long[] ne, GgmlType type, Supplier<ByteBuffer> raw, Supplier<float[]> values) {
        public static Tensor quantized(String name, long[] ne, GgmlType type, Supplier<float[]> values) {
            return new Tensor(name, ne, type, null, values);
        }

        public static Tensor stored(String name, long[] ne, GgmlType type, Supplier<ByteBuffer> raw) {
            return new Tensor(name, ne, type, raw, null);
        }

        long elements() {
            long n = 1;
            for (long d : ne) n *= d;
            return n;
        }
    }

    private GgufWriter() {}

    /**
     * Writes the GGUF a model was loaded from with the plan's layers in the plan's formats (every other tensor
     * copied as stored): metadata and tokenizer copied. The layers' formats must be llama.cpp's ({@code q4_k} ...)
     * or {@code fp16}/{@code bf16}; others are an error naming each layer and format.
     */
    public static void write(Model model, Plan plan, Path target) {
        write(model, plan.formats(), target);
    }

    /** {@link #write(Model, Plan, Path)} with formats by layer name. */
    public static void write(Model model, Map<String, Format> formatsByLayer, Path target) {
        Path source = Path.of(model.source());
        if (!model.source().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") || !Files.isRegularFile(source))
            throw new ModelException(model.name(), "only a model loaded from a GGUF file can be exported to GGUF (this one came from " + model.source() + ")");
        GgufFile file = GgufFile.open(source);
        Map<String, GgmlType> types = new LinkedHashMap<>();
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Format> e : formatsByLayer.entrySet()) {
            LayerRef layer = model.layer(e.getKey());
            for (TensorRef t : layer.weights()) {
                GgufTensor info = file.tensor(t.name());
                GgmlType type = ggmlType(e.getValue(), t);
                if (type == null) {
                    bad.add(layer.name() + " (" + e.getValue() + ")");
                } else if (info.rowLength() % type.blockSize() != 0) {
                    bad.add(layer.name() + " (" + e.getValue() + ": rows of " + info.rowLength() + " are not a multiple of its block of " + type.blockSize() + ")");
                } else {
                    types.put(t.name(), type);
                }
            }
        }
        if (!bad.isEmpty())
            throw new ModelException(target.toString(), "GGUF stores llama.cpp's formats (" + quantizedNames() + ") and fp16, bf16; "
                    + "these layers have formats it cannot hold: " + String.join(", ", bad));
        String hash = io.precis.engine.model.Models.sha256(source);
        if (!hash.equals(model.modelHash()))
            throw new ModelException(source.toString(), "the file changed since the model was loaded from it; load it again before exporting");
        List<Tensor> out = new ArrayList<>();
        Map<String, TensorRef> refs = new LinkedHashMap<>();
        for (LayerRef l : model.layers()) for (TensorRef t : l.tensors()) refs.put(t.name(), t);
        for (GgufTensor t : file.tensors().values()) {
            GgmlType type = types.get(t.name());
            TensorRef ref = refs.get(t.name());
            if (type == null || ref == null) out.add(Tensor.stored(t.name(), t.ne(), t.type(), () -> file.raw(t)));
            else out.add(Tensor.quantized(t.name(), t.ne(), type, () -> model.fullPrecisionWeights(ref)));
        }
        Map<String, GgufValue> meta = new LinkedHashMap<>(file.metadata());
        // llama.cpp's file_type names one dominant type; a mixed file has none, and llama.cpp works it out itself
        if (!types.isEmpty()) meta.remove("general.file_type");
        write(target, meta, out, file.alignment());
    }

    /** The ggml type a format stores as on this tensor (its blocks along the rows), or null if none. */
    static GgmlType ggmlType(Format format, TensorRef t) {
        if (format.granularity() instanceof Granularity.Unscaled) {
            return switch (format.name()) {
                case "fp16" -> GgmlType.F16;
                case "bf16" -> GgmlType.BF16;
                default -> null;
            };
        }
        return GgmlFormats.typeOf(format).filter(type -> {
            int axis = ((Granularity.Blocks) format.granularity()).axis();
            int rank = t.shape().length;
            return axis == Granularity.ROWS || axis == rank - 1 || (rank == 2 && axis == t.reductionAxis() && t.reductionAxis() == 1);
        }).orElse(null);
    }

    private static String quantizedNames() {
        List<String> n = new ArrayList<>();
        for (GgmlType t : GgmlType.values()) if (t.isQuantized()) n.add(t.formatName());
        return String.join(", ", n);
    }

    /** Writes a GGUF v3 file: metadata in order, then tensor infos and data aligned to {@code alignment}. */
    public static void write(Path target, Map<String, GgufValue> metadata, List<Tensor> tensors, int alignment) {
        Path abs = target.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
            try {
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                    writeTo(os, metadata, tensors, alignment);
                }
                AtomicFiles.moveInto(tmp, abs);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ModelException(target.toString(), "cannot write: " + e.getMessage(), e);
        }
    }

    private static void writeTo(OutputStream os, Map<String, GgufValue> metadata, List<Tensor> tensors, int alignment) throws IOException {
        Out out = new Out(os);
        Map<String, GgufValue> meta = new LinkedHashMap<>(metadata);
        if (alignment != GgufFile.DEFAULT_ALIGNMENT) meta.put("general.alignment", GgufValue.uint32(alignment));
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(meta.size());
        for (Map.Entry<String, GgufValue> e : meta.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            value(out, e.getValue());
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.ne().length);
            for (long d : t.ne()) out.i64(d);
            out.i32(t.type().id());
            out.i64(offset);
            offset = GgufFile.align(offset + t.type().bytes(t.elements()), alignment);
        }
        out.pad(alignment);
        for (Tensor t : tensors) {
            long bytes = t.type().bytes(t.elements());
            ByteBuffer data;
            if (t.raw() != null) {
                data = t.raw().get();
            } else {
                float[] v = t.values().get();
                if (v.length != t.elements()) throw new IllegalArgumentException(t.name() + ": " + v.length + " values for " + t.elements() + " elements");
                data = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                GgmlQuants.quantize(t.type(), v, 0, v.length, data, 0);
            }
            if (data.remaining() != bytes) throw new IllegalArgumentException(t.name() + ": " + data.remaining() + " bytes for " + bytes);
            out.bytes(data);
            out.pad(alignment);
        }
        out.flush();
    }

    private static void value(Out out, GgufValue v) throws IOException {
        switch (v.type()) {
            case UINT8, INT8 -> out.u8(((Number) v.value()).intValue());
            case UINT16, INT16 -> out.i16(((Number) v.value()).intValue());
            case UINT32, INT32 -> out.i32(((Number) v.value()).intValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) v.value()).floatValue()));
            case BOOL -> out.u8((Boolean) v.value() ? 1 : 0);
            case STRING -> out.string((String) v.value());
            case UINT64, INT64 -> out.i64(((Number) v.value()).longValue());
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) v.value()).doubleValue()));
            case ARRAY -> {
                out.i32(v.elementType().id());
                out.i64(v.length());
                switch (v.value()) {
                    case byte[] a -> { for (byte x : a) out.u8(x); }
                    case short[] a -> { for (short x : a) out.i16(x); }
                    case int[] a -> { for (int x : a) out.i32(x); }
                    case long[] a -> { for (long x : a) out.i64(x); }
                    case float[] a -> { for (float x : a) out.i32(Float.floatToRawIntBits(x)); }
                    case double[] a -> { for (double x : a) out.i64(Double.doubleToRawLongBits(x)); }
                    case boolean[] a -> { for (boolean x : a) out.u8(x ? 1 : 0); }
                    case List<?> l -> {
                        for (Object o : l) {
                            if (o instanceof String s) out.string(s);
                            else if (o instanceof GgufValue nested) value(out, nested);
                            else throw new IllegalArgumentException("array element " + o);
                        }
                    }
                    default -> throw new IllegalArgumentException("array of " + v.value().getClass());
                }
            }
        }
    }

    /** Little-endian primitives over a stream, counting bytes for alignment. */
    private static final class Out {
        private final OutputStream os;
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(OutputStream os) { this.os = os; }

        void u8(int v) throws IOException { os.write(v); written++; }

        void i16(int v) throws IOException { b.clear(); b.putShort((short) v); os.write(b.array(), 0, 2); written += 2; }

        void i32(int v) throws IOException { b.clear(); b.putInt(v); os.write(b.array(), 0, 4); written += 4; }

        void i64(long v) throws IOException { b.clear(); b.putLong(v); os.write(b.array(), 0, 8); written += 8; }

        void string(String s) throws IOException {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            os.write(u);
            written += u.length;
        }

        void bytes(ByteBuffer data) throws IOException {
            ByteBuffer d = data.duplicate();
            byte[] chunk = new byte[1 << 16];
            while (d.hasRemaining()) {
                int n = Math.min(chunk.length, d.remaining());
                d.get(chunk, 0, n);
                os.write(chunk, 0, n);
                written += n;
            }
        }

        void pad(int alignment) throws IOException {
            while (written % alignment != 0) u8(0);
        }

        void flush() throws IOException { os.flush(); }
    }
}
