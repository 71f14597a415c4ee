package io.precis.kernel.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private final ObjectMapper json = new ObjectMapper();
    private final MessageCodec codec = new MessageCodec(json, "secret-key", "session-1");

    private List<byte[]> sample(MessageCodec c) {
        ObjectNode content = json.createObjectNode().put("code", "1+1");
        return c.encode(List.of("client-id".getBytes(StandardCharsets.UTF_8)), c.header("execute_request"),
                json.createObjectNode(), json.createObjectNode(), content, List.of(new byte[] {1, 2, 3}));
    }

    @Test
    void roundTripKeepsIdentitiesContentAndBuffers() throws Exception {
        Message m = codec.decode(sample(codec));
        assertEquals("execute_request", m.type());
        assertEquals("1+1", m.content().get("code").asText());
        assertArrayEquals("client-id".getBytes(StandardCharsets.UTF_8), m.identities().get(0));
        assertArrayEquals(new byte[] {1, 2, 3}, m.buffers().get(0));
        assertEquals("5.3", m.header().get("version").asText());
        assertEquals("session-1", m.header().get("session").asText());
    }

    @Test
    void signatureIsHexHmacSha256OfTheFourParts() throws Exception {
        List<byte[]> frames = sample(codec);
        int d = 1; // one identity
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("secret-key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        for (int i = d + 2; i < d + 6; i++) {
            mac.update(frames.get(i));
        }
        assertEquals(java.util.HexFormat.of().formatHex(mac.doFinal()), new String(frames.get(d + 1), StandardCharsets.US_ASCII));
    }

    @Test
    void tamperedContentIsRejected() {
        List<byte[]> frames = new ArrayList<>(sample(codec));
        frames.set(5, "{\"code\":\"System.exit(0)\"}".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(frames));
        assertEquals("bad signature", e.getMessage());
    }

    @Test
    void otherKeyAndMissingSignatureAreRejected() {
        MessageCodec other = new MessageCodec(json, "another-key", "s");
        assertEquals("bad signature", assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(sample(other))).getMessage());
        List<byte[]> unsigned = new ArrayList<>(sample(codec));
        unsigned.set(2, new byte[0]);
        assertEquals("missing signature", assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(unsigned)).getMessage());
    }

    @Test
    void malformedFramesAreRejected() {
        assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(List.of("no delimiter".getBytes())));
        MessageCodec open = new MessageCodec(json, "", "s");
        List<byte[]> frames = new ArrayList<>(sample(open));
        frames.set(3, "[1,2]".getBytes(StandardCharsets.UTF_8));
        assertThrows(MessageCodec.RejectedMessage.class, () -> open.decode(frames));
    }

    @Test
    void emptyKeyMeansUnsigned() throws Exception {
        MessageCodec open = new MessageCodec(json, "", "s");
        List<byte[]> frames = sample(open);
        assertEquals(0, frames.get(2).length);
        assertEquals("execute_request", open.decode(frames).type());
    }

    @Test
    void datesHaveMicroseconds() {
        String date = codec.header("status").get("date").asText();
        assertEquals(true, date.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"), date);
    }

    /** Frames signed with the codec's key around raw JSON parts, as a client would send them. */
    static List<byte[]> signed(String key, byte[] header, byte[] content) throws Exception {
        byte[] parent = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] metadata = "{}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        for (byte[] p : List.of(header, parent, metadata, content)) {
            mac.update(p);
        }
        byte[] sig = java.util.HexFormat.of().formatHex(mac.doFinal()).getBytes(StandardCharsets.US_ASCII);
        return List.of("peer".getBytes(StandardCharsets.UTF_8), MessageCodec.DELIMITER, sig, header, parent, metadata, content);
    }

    private static byte[] header(String type) {
        return ("{\"msg_id\":\"m-" + System.nanoTime() + "\",\"msg_type\":\"" + type + "\",\"session\":\"c\",\"username\":\"u\",\"version\":\"5.3\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aReplayedMessageIsRejectedOnce() throws Exception {
        List<byte[]> frames = sample(codec);
        codec.decode(frames);
        var e = assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(frames));
        assertEquals("replayed message (its signature was seen before)", e.getMessage());
        // A new message with the same content has a new header (msg_id, date), so a new signature.
        codec.decode(sample(codec));
    }

    @Test
    void theSignatureHistoryIsBounded() {
        SignatureHistory h = new SignatureHistory(4);
        byte[][] macs = new byte[6][32];
        for (int i = 0; i < macs.length; i++) {
            macs[i][0] = (byte) i;
            assertEquals(true, h.add(macs[i]));
        }
        assertEquals(4, h.size());
        assertEquals(false, h.add(macs[5]));
        assertEquals(true, h.add(macs[0])); // forgotten: the oldest went first
    }

    @Test
    void theSignatureHistoryAnswersAsABoundedSetWould() {
        // Against the obvious model (a set and a queue of the last n), with a small pool of signatures so that
        // repeats, evictions and colliding slots of the index are all frequent.
        java.util.Random random = new java.util.Random(11);
        for (int capacity : new int[] {1, 2, 3, 7, 8, 64}) {
            SignatureHistory h = new SignatureHistory(capacity);
            java.util.Set<String> set = new java.util.HashSet<>();
            java.util.ArrayDeque<String> order = new java.util.ArrayDeque<>();
            byte[][] pool = new byte[3 * capacity + 2][32];
            for (byte[] mac : pool) {
                random.nextBytes(mac);
            }
            for (int i = 0; i < 20_000; i++) {
                byte[] mac = pool[random.nextInt(pool.length)];
                String key = java.util.HexFormat.of().formatHex(mac, 0, 16);
                boolean fresh = set.add(key);
                if (fresh) {
                    order.add(key);
                    if (order.size() > capacity) {
                        set.remove(order.remove());
                    }
                }
                assertEquals(fresh, h.add(mac), "capacity " + capacity + ", step " + i);
                assertEquals(set.size(), h.size());
            }
        }
    }

    @Test
    void unreadableContentUnderAReadableHeaderIsAProblemNotADrop() throws Exception {
        String[][] cases = {
            {"[1,2]", "content: expected a JSON object, got an array"},
            {"\"text\"", "content: expected a JSON object, got a string"},
            {"{\"code\": ", "content: Unexpected end-of-input"},
            {"{}".repeat(0) + "[".repeat(5000) + "]".repeat(5000), "content: "},
            {"{\"code\":\"" + "\u0000".repeat(0) + "\"}x", "content: "},
        };
        for (String[] c : cases) {
            Message m = codec.decode(signed("secret-key", header("execute_request"), c[0].getBytes(StandardCharsets.UTF_8)));
            assertEquals("execute_request", m.type());
            assertEquals(true, m.problem() != null && m.problem().startsWith(c[1]), c[0].length() > 60 ? c[0].substring(0, 60) : c[0] + " -> " + m.problem());
            assertEquals(0, m.content().size());
        }
        Message deep = codec.decode(signed("secret-key", header("execute_request"),
                ("{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}").getBytes(StandardCharsets.UTF_8)));
        assertEquals(true, deep.problem().contains("nesting depth"), deep.problem());
        byte[] badUtf8 = {'{', '"', 'c', 'o', 'd', 'e', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
        Message utf = codec.decode(signed("secret-key", header("execute_request"), badUtf8));
        assertEquals(true, utf.problem().startsWith("content: Invalid UTF-8"), utf.problem());
    }

    @Test
    void anUnreadableHeaderOrOneWithoutIdAndTypeIsDropped() throws Exception {
        byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
        assertThrows(MessageCodec.RejectedMessage.class,
                () -> codec.decode(signed("secret-key", "{\"msg_id\":".getBytes(StandardCharsets.UTF_8), ok)));
        var e = assertThrows(MessageCodec.RejectedMessage.class, () -> codec.decode(signed("secret-key",
                "{\"msg_type\":\"execute_request\"}".getBytes(StandardCharsets.UTF_8), "[]".getBytes(StandardCharsets.UTF_8))));
        assertEquals(true, e.getMessage().contains("no msg_id/msg_type"), e.getMessage());
    }
}
