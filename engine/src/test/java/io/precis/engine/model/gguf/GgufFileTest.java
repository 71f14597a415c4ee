package io.precis.engine.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.format.ggml.GgmlType;
import io.precis.engine.model.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF reader against files written by llama.cpp's own Python package {@code gguf}, and against bad files. */
class GgufFileTest {
    static final Path DIR = Path.of("src/test/resources/gguf");
    static final Path REF = DIR.resolve("reference.gguf");

    static float[] floats(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++)
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i]))
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", gguf gives " + want[i]);
    }

    @Test
    void readsMetadataOfEveryTypeAndTensorsOfEveryGgmlType() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(DIR.resolve("reference.json").toFile());
        GgufFile f = GgufFile.open(REF);
        assertEquals(3, f.version());
        assertEquals("llama", f.string("general.architecture", null));
        ref.get("metadata").fields().forEachRemaining(e -> {
            GgufValue v = f.get(e.getKey());
            assertEquals(e.getValue().get("type").asText(), v.type().name(), e.getKey());
            JsonNode want = e.getValue().get("value");
            switch (v.type()) {
                case FLOAT32 -> assertEquals((float) want.asDouble(), (float) v.value(), e.getKey());
                case FLOAT64 -> assertEquals(want.asDouble(), (double) v.value(), e.getKey());
                case BOOL -> assertEquals(want.asBoolean(), v.value());
                case STRING -> assertEquals(want.asText(), v.asString());
                case UINT64 -> assertEquals(want.asText(), Long.toUnsignedString(v.asLong()));
                default -> assertEquals(want.asLong(), v.asLong(), e.getKey());
            }
        });
        assertEquals(List.of("a", "bc", ""), f.get("test.strings").asStrings());
        assertTrue(f.get("test.ints").length() == 3 && f.get("test.floats").length() == 2);
        for (JsonNode t : ref.get("tensors")) {
            GgufTensor info = f.tensor(t.get("name").asText());
            assertEquals(t.get("type").asText(), info.type().name());
            List<Long> shape = new ArrayList<>();
            t.get("shape").forEach(d -> shape.add(d.asLong()));
            assertArrayEquals(shape.stream().mapToLong(Long::longValue).toArray(), info.shape(), info.name());
            assertBitsEqual(floats(DIR.resolve(t.get("values").asText())), f.floats(info), info.name());
        }
    }

    @Test
    void everyTruncationIsAClearErrorNamingTheFile(@TempDir Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(REF);
        GgufFile full = GgufFile.open(REF);
        long[] cuts = {0, 3, 10, 23, 40, 200, full.dataStart() - 1, full.dataStart() + 100, all.length - 1};
        for (long cut : cuts) {
            Path p = tmp.resolve("cut-" + cut + ".gguf");
            Files.write(p, java.util.Arrays.copyOf(all, (int) cut));
            ModelException e = assertThrows(ModelException.class, () -> GgufFile.open(p), "cut at " + cut);
            assertEquals(p.toString(), e.thing());
            assertTrue(e.reason().contains("truncated") || e.reason().contains("empty") || e.reason().contains("not a GGUF"),
                    "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void corruptHeadersAndUnknownTypesAreClearErrors(@TempDir Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(REF);
        GgufFile ok = GgufFile.open(REF);
        // bad magic
        byte[] b = all.clone();
        b[0] = 'X';
        assertMessage(tmp, b, "not a GGUF file");
        // unsupported version
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 7);
        assertMessage(tmp, b, "GGUF version 7 is not supported");
        // a huge metadata count
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
        assertMessage(tmp, b, "metadata count");
        // a string length far past the end (the first key's length)
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 50);
        assertMessage(tmp, b, "runs past the end");
        // an unknown tensor type (IQ2_XXS = 16) and an offset past the end: patch the first tensor info
        GgufTensor first = ok.tensors().values().iterator().next();
        byte[] name = first.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] needle = ByteBuffer.allocate(8 + name.length).order(ByteOrder.LITTLE_ENDIAN).putLong(name.length).put(name).array();
        int at = indexOf(all, needle, 24);
        int typeAt = at + needle.length + 4 + 8 * first.ne().length;
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 16);
        assertMessage(tmp, b, "ggml type IQ2_XXS");
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(typeAt + 4, 1L << 40);
        assertMessage(tmp, b, "tensor '" + first.name() + "' needs bytes");
        b = all.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(typeAt + 4, 3);
        assertMessage(tmp, b, "is not aligned");
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    private static void assertMessage(Path tmp, byte[] bytes, String part) throws IOException {
        Path p = Files.createTempFile(tmp, "bad", ".gguf");
        Files.write(p, bytes);
        ModelException e = assertThrows(ModelException.class, () -> GgufFile.open(p), part);
        assertEquals(p.toString(), e.thing());
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    /** SmolLM2's real tensors (Q8_0, Q4_1, F32) against the gguf package's reader, when set-up has fetched the file. */
    @Test
    void smolLm2TensorsEqualTheGgufPackage(@TempDir Path tmp) throws Exception {
        Path model = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(model != null, CachedModels.missing(CachedModels.SMOLLM2));
        Path python = Path.of("../.venv/bin/python");
        assumeTrue(Files.isExecutable(python), "no project venv (make venv) to run the gguf package");
        List<String> names = List.of("token_embd.weight", "blk.0.attn_q.weight", "blk.29.ffn_down.weight", "output_norm.weight");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "../tests/reference/gguf_dump.py", model.toString(), tmp.toString()));
        cmd.addAll(names);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        JsonNode info = new ObjectMapper().readTree(tmp.resolve("info.json").toFile());
        GgufFile f = GgufFile.open(model);
        assertEquals(272, f.tensors().size());
        for (String n : names) {
            GgufTensor t = f.tensor(n);
            assertEquals(info.get(n).get("type").asText(), t.type().name());
            assertBitsEqual(floats(tmp.resolve(n + ".f32")), f.floats(t), n);
        }
        assertEquals(GgmlType.Q8_0, f.tensor("token_embd.weight").type());
        assertArrayEquals(new long[] {49152, 576}, f.tensor("token_embd.weight").shape());
    }
}
