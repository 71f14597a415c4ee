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
}
