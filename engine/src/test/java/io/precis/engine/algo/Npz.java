package io.precis.engine.algo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads the arrays numpy's {@code savez} wrote (NPY v1 in a zip; float32, int32, little-endian, C order). */
final class Npz {
    record Array(int[] shape, float[] floats, int[] ints) {
        int size() { return floats != null ? floats.length : ints.length; }
    }

    private Npz() {}

    static Map<String, Array> read(Path file) throws IOException {
        Map<String, Array> out = new HashMap<>();
        try (ZipFile z = new ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                byte[] b = z.getInputStream(e).readAllBytes();
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                if (b[0] != (byte) 0x93 || !new String(b, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY"))
                    throw new IOException(file + ": " + e.getName() + " is not an NPY array");
                int major = b[6];
                int hlen = major == 1 ? bb.getShort(8) & 0xFFFF : bb.getInt(8);
                int start = major == 1 ? 10 : 12;
                String header = new String(b, start, hlen, StandardCharsets.US_ASCII);
                Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
                Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
                if (!d.find() || !s.find() || header.contains("'fortran_order': True"))
                    throw new IOException(file + ": " + e.getName() + ": unsupported header " + header);
                String[] dims = s.group(1).split(",");
                int n = 1;
                java.util.List<Integer> shape = new java.util.ArrayList<>();
                for (String dim : dims) if (!dim.isBlank()) { shape.add(Integer.parseInt(dim.trim())); n *= shape.getLast(); }
                bb.position(start + hlen);
                String name = e.getName().replaceFirst("\\.npy$", "");
                int[] sh = shape.stream().mapToInt(Integer::intValue).toArray();
                switch (d.group(1)) {
                    case "<f4" -> { float[] f = new float[n]; bb.asFloatBuffer().get(f); out.put(name, new Array(sh, f, null)); }
                    case "<i4" -> { int[] f = new int[n]; bb.asIntBuffer().get(f); out.put(name, new Array(sh, null, f)); }
                    case "<i8" -> { int[] f = new int[n]; for (int i = 0; i < n; i++) f[i] = Math.toIntExact(bb.getLong()); out.put(name, new Array(sh, null, f)); }
                    default -> throw new IOException(file + ": " + e.getName() + ": dtype " + d.group(1) + " not read here");
                }
            }
        }
        return out;
    }
}
