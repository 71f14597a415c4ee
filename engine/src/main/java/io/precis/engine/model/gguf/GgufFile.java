package io.precis.engine.model.gguf;

import io.precis.engine.format.ggml.GgmlQuants;
import io.precis.engine.format.ggml.GgmlType;
import io.precis.engine.model.ModelException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3): header, metadata, tensor infos and alignment, read through a {@link FileChannel}
 * with every length, count, offset and size checked against the file before anything is allocated or read; no
 * memory mapping, so a corrupt file can only ever give a {@link ModelException} naming the file and the problem.
 * Tensors are read on demand ({@link #floats}, {@link #raw}). Little-endian files only (as llama.cpp writes them).
 */
public final class GgufFile {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final String where;
    private final long size;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensor> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path path, long size, int version, Map<String, GgufValue> metadata, Map<String, GgufTensor> tensors,
                     int alignment, long dataStart) {
        this.path = path;
        this.where = path.toString();
        this.size = size;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /** Reads the header, metadata and tensor infos of a GGUF file (not the tensor data). */
    public static GgufFile open(Path path) {
        String where = path.toString();
        if (!Files.isRegularFile(path)) throw new ModelException(where, "file not found");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            Reader r = new Reader(ch, size, where);
            if (size < 24) throw new ModelException(where, size == 0 ? "file is empty" : "not a GGUF file (only " + size + " bytes)");
            int magic = r.i32();
            if (magic != MAGIC) throw new ModelException(where, "not a GGUF file (it does not start with 'GGUF')");
            int version = r.i32();
            if (version == 0x03000000 || version == 0x02000000)
                throw new ModelException(where, "a big-endian GGUF file; Precis reads little-endian GGUF (as llama.cpp writes it)");
            if (version != 2 && version != 3)
                throw new ModelException(where, "GGUF version " + Integer.toUnsignedString(version) + " is not supported; Precis reads versions 2 and 3");
            long nTensors = r.u64("tensor count");
            long nKv = r.u64("metadata count");
            // each key-value pair takes at least 8 + 4 + 1 bytes, each tensor info 8 + 4 + 4 + 8
            if (nKv > (size - r.pos) / 13) throw r.corrupt("metadata count " + Long.toUnsignedString(nKv) + " does not fit in the file");
            if (nTensors > (size - r.pos) / 24) throw r.corrupt("tensor count " + Long.toUnsignedString(nTensors) + " does not fit in the file");
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                long at = r.pos;
                String key = r.string("metadata key " + i);
                long t = Integer.toUnsignedLong(r.i32());
                GgufValue.Type type = GgufValue.Type.of(t);
                if (type == null) throw r.corrupt("metadata '" + key + "' (at byte " + at + ") has unknown value type " + t);
                GgufValue v = r.value(type, key, 0);
                if (meta.put(key, v) != null) throw r.corrupt("metadata key '" + key + "' appears twice");
            }
            int alignment = DEFAULT_ALIGNMENT;
            GgufValue al = meta.get("general.alignment");
            if (al != null) {
                Long a = al.asLong();
                if (a == null || a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1)
                    throw new ModelException(where, "general.alignment must be a power of two, not " + al);
                alignment = (int) (long) a;
            }
            List<long[]> offsets = new ArrayList<>();
            List<Object[]> infos = new ArrayList<>();
            Map<String, GgufTensor> tensors = new LinkedHashMap<>();
            for (long i = 0; i < nTensors; i++) {
                String name = r.string("tensor name " + i);
                long nd = Integer.toUnsignedLong(r.i32());
                if (nd < 1 || nd > 4) throw r.corrupt("tensor '" + name + "' has " + nd + " dimensions (GGUF allows 1 to 4)");
                long[] ne = new long[(int) nd];
                long elements = 1;
                for (int d = 0; d < nd; d++) {
                    ne[d] = r.u64("dimension of tensor '" + name + "'");
                    if (ne[d] < 0 || (ne[d] != 0 && elements > Long.MAX_VALUE / ne[d]))
                        throw r.corrupt("tensor '" + name + "' has an impossible dimension " + Long.toUnsignedString(ne[d]));
                    elements *= ne[d];
                }
                long typeId = Integer.toUnsignedLong(r.i32());
                long offset = r.u64("offset of tensor '" + name + "'");
                GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> new ModelException(where, "tensor '" + name
                        + "' has ggml type " + GgmlType.unknownName(typeId) + ", which Precis does not read; it reads "
                        + java.util.Arrays.toString(GgmlType.values()).replaceAll("[\\[\\]]", "")));
                if (ne[0] % type.blockSize() != 0)
                    throw r.corrupt("tensor '" + name + "': a row of " + ne[0] + " is not a multiple of the " + type + " block of " + type.blockSize());
                infos.add(new Object[] {name, ne, type, elements});
                offsets.add(new long[] {offset});
            }
            long dataStart = align(r.pos, alignment);
            for (int i = 0; i < infos.size(); i++) {
                Object[] inf = infos.get(i);
                String name = (String) inf[0];
                GgmlType type = (GgmlType) inf[2];
                long elements = (Long) inf[3];
                long bytes = elements / type.blockSize() * type.blockBytes();
                long off = offsets.get(i)[0];
                if (off < 0 || off % alignment != 0)
                    throw new ModelException(where, "tensor '" + name + "': data offset " + Long.toUnsignedString(off) + " is not aligned to " + alignment);
                if (off > size - dataStart || bytes > size - dataStart - off)
                    throw new ModelException(where, "file is truncated or corrupt: tensor '" + name + "' needs bytes "
                            + (dataStart + off) + ".." + (dataStart + off + bytes) + " but the file has " + size);
                GgufTensor t = new GgufTensor(name, (long[]) inf[1], type, dataStart + off, bytes);
                if (tensors.put(name, t) != null) throw new ModelException(where, "tensor '" + name + "' appears twice");
            }
            return new GgufFile(path, size, version, meta, tensors, alignment, dataStart);
        } catch (IOException e) {
            throw new ModelException(where, "cannot read: " + e.getMessage(), e);
        }
    }

    static long align(long pos, int alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    public Path path() { return path; }

    public long fileSize() { return size; }

    public int version() { return version; }

    public int alignment() { return alignment; }

    /** Where tensor data begins (tensor offsets are relative to it). */
    public long dataStart() { return dataStart; }

    /** Every metadata key and value, in file order. */
    public Map<String, GgufValue> metadata() { return metadata; }

    /** Tensors by name, in file order. */
    public Map<String, GgufTensor> tensors() { return tensors; }

    public GgufValue get(String key) { return metadata.get(key); }

    /** An integer metadata value; a missing key with no default is an error naming it. */
    public long integer(String key, Long orElse) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            if (orElse != null) return orElse;
            throw new ModelException(where, "metadata key '" + key + "' is missing");
        }
        Long l = v.asLong();
        if (l == null) throw new ModelException(where, "metadata key '" + key + "' should be an integer, not " + v.type());
        return l;
    }

    public double number(String key, Double orElse) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            if (orElse != null) return orElse;
            throw new ModelException(where, "metadata key '" + key + "' is missing");
        }
        Double d = v.asDouble();
        if (d == null) throw new ModelException(where, "metadata key '" + key + "' should be a number, not " + v.type());
        return d;
    }

    public String string(String key, String orElse) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            if (orElse != null) return orElse;
            throw new ModelException(where, "metadata key '" + key + "' is missing");
        }
        if (v.asString() == null) throw new ModelException(where, "metadata key '" + key + "' should be a string, not " + v.type());
        return v.asString();
    }

    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new ModelException(where, "tensor '" + name + "' is missing");
        return t;
    }

    /** The tensor's stored bytes (quantized blocks as in the file), little-endian. */
    public ByteBuffer raw(GgufTensor t) {
        if (t.bytes() > Integer.MAX_VALUE - 16) throw new ModelException(where, "tensor '" + t.name() + "' is larger than 2 GiB");
        ByteBuffer b = ByteBuffer.allocate((int) t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() < t.fileOffset() + t.bytes())
                throw new ModelException(where, "file is truncated: it changed since it was opened (tensor '" + t.name() + "')");
            long p = t.fileOffset();
            while (b.hasRemaining()) {
                int n = ch.read(b, p);
                if (n < 0) throw new EOFException();
                p += n;
            }
        } catch (IOException e) {
            throw new ModelException(where, "cannot read tensor '" + t.name() + "': " + e.getMessage(), e);
        }
        return b.flip();
    }

    /** The tensor dequantized to float32, row-major in PyTorch order (shape {@link GgufTensor#shape()}). */
    public float[] floats(GgufTensor t) {
        if (t.elements() > Integer.MAX_VALUE - 16) throw new ModelException(where, "tensor '" + t.name() + "' has more than 2^31 elements");
        float[] out = new float[(int) t.elements()];
        GgmlQuants.dequantize(t.type(), raw(t), 0, out, 0, out.length);
        return out;
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + where + " (" + metadata.size() + " metadata, " + tensors.size() + " tensors)";
    }

    /** Sequential reads through a small window, each checked against the file size. */
    private static final class Reader {
        private final FileChannel ch;
        private final long size;
        private final String where;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart = 0;
        long pos = 0;

        Reader(FileChannel ch, long size, String where) {
            this.ch = ch;
            this.size = size;
            this.where = where;
            buf.limit(0);
        }

        ModelException corrupt(String what) {
            return new ModelException(where, "file is truncated or corrupt: " + what);
        }

        /** Makes {@code n} bytes at {@code pos} available in the buffer (n &lt;= its capacity). */
        private void need(int n, String what) throws IOException {
            if (n > size - pos) throw corrupt("it ends at byte " + size + " while reading " + what + " at byte " + pos);
            long off = pos - bufStart;
            if (off >= 0 && off + n <= buf.limit()) {
                buf.position((int) off);
                return;
            }
            buf.clear();
            bufStart = pos;
            long p = pos;
            while (buf.position() < n) {
                int r = ch.read(buf, p + buf.position());
                if (r < 0) throw corrupt("it ends early while reading " + what);
            }
            buf.flip();
        }

        int i32() throws IOException {
            need(4, "a 32-bit value");
            pos += 4;
            return buf.getInt();
        }

        long u64(String what) throws IOException {
            need(8, what);
            pos += 8;
            long v = buf.getLong();
            if (v < 0) throw corrupt(what + " is " + Long.toUnsignedString(v));
            return v;
        }

        String string(String what) throws IOException {
            long len = u64("the length of " + what);
            if (len > size - pos) throw corrupt(what + ": a string of " + len + " bytes at byte " + pos + " runs past the end");
            byte[] bytes = new byte[(int) Math.min(len, Integer.MAX_VALUE - 16)];
            int done = 0;
            while (done < bytes.length) {
                int n = Math.min(buf.capacity(), bytes.length - done);
                need(n, what);
                buf.get(bytes, done, n);
                pos += n;
                done += n;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // llama.cpp's own writer can store byte tokens that are not UTF-8; keep them lossless as Latin-1
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
        }

        GgufValue value(GgufValue.Type type, String key, int depth) throws IOException {
            return switch (type) {
                case UINT8 -> { need(1, key); pos += 1; yield new GgufValue(type, null, buf.get() & 0xff); }
                case INT8 -> { need(1, key); pos += 1; yield new GgufValue(type, null, (int) buf.get()); }
                case UINT16 -> { need(2, key); pos += 2; yield new GgufValue(type, null, buf.getShort() & 0xffff); }
                case INT16 -> { need(2, key); pos += 2; yield new GgufValue(type, null, (int) buf.getShort()); }
                case UINT32 -> { need(4, key); pos += 4; yield new GgufValue(type, null, Integer.toUnsignedLong(buf.getInt())); }
                case INT32 -> { need(4, key); pos += 4; yield new GgufValue(type, null, buf.getInt()); }
                case FLOAT32 -> { need(4, key); pos += 4; yield new GgufValue(type, null, buf.getFloat()); }
                case BOOL -> {
                    need(1, key);
                    pos += 1;
                    int b = buf.get();
                    if (b != 0 && b != 1) throw corrupt("metadata '" + key + "' is a bool holding " + b);
                    yield new GgufValue(type, null, b == 1);
                }
                case STRING -> new GgufValue(type, null, string("metadata '" + key + "'"));
                case UINT64, INT64 -> { need(8, key); pos += 8; yield new GgufValue(type, null, buf.getLong()); }
                case FLOAT64 -> { need(8, key); pos += 8; yield new GgufValue(type, null, buf.getDouble()); }
                case ARRAY -> array(key, depth);
            };
        }

        private GgufValue array(String key, int depth) throws IOException {
            if (depth > 4) throw corrupt("metadata '" + key + "' nests arrays more than 4 deep");
            long t = Integer.toUnsignedLong(i32());
            GgufValue.Type et = GgufValue.Type.of(t);
            if (et == null) throw corrupt("metadata '" + key + "' is an array of unknown type " + t);
            long n = u64("the length of array '" + key + "'");
            if (n > (size - pos) / et.minBytes)
                throw corrupt("metadata '" + key + "' claims " + n + " elements of " + et + ", more than the file holds");
            int len = (int) n;
            Object v = switch (et) {
                case UINT8, INT8 -> { byte[] a = new byte[len]; for (int i = 0; i < len; i++) { need(1, key); pos++; a[i] = buf.get(); } yield a; }
                case UINT16, INT16 -> { short[] a = new short[len]; for (int i = 0; i < len; i++) { need(2, key); pos += 2; a[i] = buf.getShort(); } yield a; }
                case UINT32, INT32 -> { int[] a = new int[len]; for (int i = 0; i < len; i++) { need(4, key); pos += 4; a[i] = buf.getInt(); } yield a; }
                case FLOAT32 -> { float[] a = new float[len]; for (int i = 0; i < len; i++) { need(4, key); pos += 4; a[i] = buf.getFloat(); } yield a; }
                case UINT64, INT64 -> { long[] a = new long[len]; for (int i = 0; i < len; i++) { need(8, key); pos += 8; a[i] = buf.getLong(); } yield a; }
                case FLOAT64 -> { double[] a = new double[len]; for (int i = 0; i < len; i++) { need(8, key); pos += 8; a[i] = buf.getDouble(); } yield a; }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) { need(1, key); pos++; a[i] = buf.get() != 0; }
                    yield a;
                }
                case STRING -> {
                    List<String> a = new ArrayList<>(len);
                    for (int i = 0; i < len; i++) a.add(string("element " + i + " of '" + key + "'"));
                    yield Collections.unmodifiableList(a);
                }
                case ARRAY -> {
                    List<GgufValue> a = new ArrayList<>(len);
                    for (int i = 0; i < len; i++) a.add(array(key, depth + 1));
                    yield Collections.unmodifiableList(a);
                }
            };
            return new GgufValue(GgufValue.Type.ARRAY, et, v);
        }
    }
}
