package io.precis.kernel.cells;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SinksTest {

    @Test
    void multiByteCharactersSplitAcrossWritesDecodeWhole() {
        StringBuilder got = new StringBuilder();
        StreamSink sink = new StreamSink(got::append);
        byte[] bytes = "aü€😀z".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            sink.write(new byte[] {b}, 0, 1); // the worst case: one byte per packet
        }
        assertEquals("aü€😀z", got.toString());
    }

    @Test
    void displayFramesAreReassembledFromSmallPackets() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> seen = new ArrayList<>();
        DisplaySink sink = new DisplaySink(new DisplaySink.Target() {
            @Override
            public void display(ObjectNode data, ObjectNode metadata, String id, boolean update) {
                seen.add((update ? "update " : "display ") + id + " " + data.get("text/plain").asText());
            }

            @Override
            public void clearOutput(boolean wait) {
                seen.add("clear " + wait);
            }
        }, json);
        byte[] stream = concat(frame("{\"kind\":\"display\",\"display_id\":\"d1\",\"data\":{\"text/plain\":\"" + "x".repeat(1000) + "\"},\"metadata\":{}}"),
                frame("{\"kind\":\"update\",\"display_id\":\"d1\",\"data\":{\"text/plain\":\"y\"},\"metadata\":{}}"),
                frame("{\"kind\":\"clear\",\"wait\":true}"));
        for (int i = 0; i < stream.length; i += 127) { // JShell's packet size
            sink.write(stream, i, Math.min(127, stream.length - i));
        }
        assertEquals(List.of("display d1 " + "x".repeat(1000), "update d1 y", "clear true"), seen);
    }

    private static byte[] frame(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[b.length + 4];
        f[0] = (byte) (b.length >>> 24);
        f[1] = (byte) (b.length >>> 16);
        f[2] = (byte) (b.length >>> 8);
        f[3] = (byte) b.length;
        System.arraycopy(b, 0, f, 4, b.length);
        return f;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
