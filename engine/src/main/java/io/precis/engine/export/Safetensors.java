package io.precis.engine.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format (huggingface/safetensors, "format" in its README): an 8-byte little-endian header
 * length, a JSON header mapping each tensor name to {@code dtype}, {@code shape} and {@code data_offsets} into
 * the data that follows (little-endian, row-major), optional {@code __metadata__} strings; the header is padded
 * with spaces to a multiple of 8 bytes.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor: its dtype (F32, F16, BF16, I64, I32, I8, U8...), shape and little-endian bytes. */
    public record Tensor(String dtype, long[] shape, byte[] data) {}

    private Safetensors() {}

    /** The file's bytes for these tensors, in the map's order. */
    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + e.getValue().data().length);
            offset += e.getValue().data().length;
        }
        byte[] h;
        try {
            h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        for (Tensor t : tensors.values()) out.put(t.data());
        return out.array();
    }

    /** Reads a file's tensors (metadata under the key {@code __metadata__} is skipped); errors say what is wrong. */
    public static Map<String, Tensor> read(byte[] file) {
        if (file.length < 8) throw new IllegalArgumentException("not a safetensors file: " + file.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        if (n < 2 || n > file.length - 8) throw new IllegalArgumentException("not a safetensors file: header length " + n);
        JsonNode header;
        try {
            header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("safetensors header is not JSON: " + e.getMessage(), e);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        long base = 8 + n;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            long from = t.path("data_offsets").path(0).asLong(-1), to = t.path("data_offsets").path(1).asLong(-1);
            if (from < 0 || to < from || base + to > file.length)
                throw new IllegalArgumentException("safetensors tensor " + e.getKey() + ": data_offsets outside the file");
            long[] shape = new long[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asLong();
            byte[] data = java.util.Arrays.copyOfRange(file, (int) (base + from), (int) (base + to));
            out.put(e.getKey(), new Tensor(t.path("dtype").asText(), shape, data));
        }
        return out;
    }
}
