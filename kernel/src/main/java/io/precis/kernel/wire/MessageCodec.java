package io.precis.kernel.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns ZeroMQ frames into {@link Message}s and back, signing with HMAC-SHA256 as the Jupyter wire protocol
 * (5.3) prescribes. Thread-safe: each thread signs with its own {@link Mac}.
 */
public final class MessageCodec {

    public static final String PROTOCOL_VERSION = "5.3";
    static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** Why a message was dropped; the IO loop logs it once per message. */
    public static final class RejectedMessage extends Exception {
        private static final long serialVersionUID = 1L;

        RejectedMessage(String why) {
            super(why, null, false, false);
        }
    }

    private final ObjectMapper json;
    private final String session;
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    public MessageCodec(ObjectMapper json, String key, String session) {
        this.json = json;
        this.session = session;
        this.key = key.isEmpty() ? null : new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public String session() {
        return session;
    }

    public ObjectMapper json() {
        return json;
    }

    /** Parses and authenticates; a missing or wrong signature is a {@link RejectedMessage}. */
    public Message decode(List<byte[]> frames) throws RejectedMessage {
        int d = -1;
        for (int i = 0; i < frames.size(); i++) {
            if (MessageDigest.isEqual(frames.get(i), DELIMITER)) {
                d = i;
                break;
            }
        }
        if (d < 0 || frames.size() < d + 6) {
            throw new RejectedMessage("malformed message: " + frames.size() + " frames, delimiter at " + d);
        }
        byte[] signature = frames.get(d + 1);
        byte[] header = frames.get(d + 2);
        byte[] parent = frames.get(d + 3);
        byte[] metadata = frames.get(d + 4);
        byte[] content = frames.get(d + 5);
        if (key != null) {
            byte[] expected = HEX.formatHex(sign(header, parent, metadata, content)).getBytes(StandardCharsets.US_ASCII);
            // Constant-time comparison: no timing oracle on the key.
            if (!MessageDigest.isEqual(expected, signature)) {
                throw new RejectedMessage(signature.length == 0 ? "missing signature" : "bad signature");
            }
        }
        try {
            return new Message(List.copyOf(frames.subList(0, d)), object(header), object(parent), object(metadata),
                    object(content), List.copyOf(frames.subList(d + 6, frames.size())));
        } catch (IOException e) {
            throw new RejectedMessage("unparsable JSON part: " + e.getMessage());
        }
    }

    private ObjectNode object(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return json.createObjectNode();
        }
        JsonNode n = json.readTree(bytes);
        if (n == null || n.isNull()) {
            return json.createObjectNode();
        }
        if (!n.isObject()) {
            throw new IOException("expected a JSON object, got " + n.getNodeType());
        }
        return (ObjectNode) n;
    }

    private byte[] sign(byte[]... parts) {
        Mac mac = macs.get();
        for (byte[] p : parts) {
            mac.update(p);
        }
        return mac.doFinal();
    }

    /** A new header of our session for a message of the given type. */
    public ObjectNode header(String msgType) {
        ObjectNode h = json.createObjectNode();
        h.put("msg_id", UUID.randomUUID().toString());
        h.put("session", session);
        h.put("username", "precis");
        h.put("date", DATE.format(Instant.now()));
        h.put("msg_type", msgType);
        h.put("version", PROTOCOL_VERSION);
        return h;
    }

    /** Frames of a message, signed; {@code identities} route it on ROUTER sockets or name the IOPub topic. */
    public List<byte[]> encode(List<byte[]> identities, ObjectNode header, ObjectNode parent, ObjectNode metadata,
                               ObjectNode content, List<byte[]> buffers) {
        try {
            byte[] h = json.writeValueAsBytes(header);
            byte[] p = parent == null ? EMPTY : json.writeValueAsBytes(parent);
            byte[] m = metadata == null ? EMPTY : json.writeValueAsBytes(metadata);
            byte[] c = content == null ? EMPTY : json.writeValueAsBytes(content);
            byte[] sig = key == null ? new byte[0] : HEX.formatHex(sign(h, p, m, c)).getBytes(StandardCharsets.US_ASCII);
            List<byte[]> frames = new ArrayList<>(identities.size() + 6 + buffers.size());
            frames.addAll(identities);
            frames.add(DELIMITER);
            frames.add(sig);
            frames.add(h);
            frames.add(p);
            frames.add(m);
            frames.add(c);
            frames.addAll(buffers);
            return frames;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a message", e);
        }
    }

    private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);
}
