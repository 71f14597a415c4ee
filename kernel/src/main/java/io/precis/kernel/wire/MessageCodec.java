package io.precis.kernel.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
    /** As many signatures as jupyter_client's Session remembers (2^16) to refuse replays. */
    static final int SIGNATURE_HISTORY = 1 << 16;
    /** Deeper than any request a frontend sends (widget state included). */
    static final int MAX_DEPTH = 200;

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
    /** Reads the JSON parts with a nesting limit: a deeply nested request costs a clear error, not a stack. */
    private final ObjectMapper reader;
    private final SignatureHistory seen = new SignatureHistory(SIGNATURE_HISTORY);

    public MessageCodec(ObjectMapper json, String key, String session) {
        this.json = json;
        this.session = session;
        this.key = key.isEmpty() ? null : new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.reader = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
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

    /**
     * Parses and authenticates. A missing or wrong signature, a replayed message (a signature seen before)
     * or an unreadable header is a {@link RejectedMessage}. A message whose header is readable, with a
     * {@code msg_id} and a {@code msg_type}, but whose other parts are not comes back with
     * {@link Message#problem()} set, so its sender can be told what was wrong instead of waiting forever.
     */
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
            byte[] mac = sign(header, parent, metadata, content);
            byte[] expected = HEX.formatHex(mac).getBytes(StandardCharsets.US_ASCII);
            // Constant-time comparison: no timing oracle on the key.
            if (!MessageDigest.isEqual(expected, signature)) {
                throw new RejectedMessage(signature.length == 0 ? "missing signature" : "bad signature");
            }
            if (!seen.add(mac)) {
                throw new RejectedMessage("replayed message (its signature was seen before)");
            }
        }
        ObjectNode h;
        try {
            h = object(header);
        } catch (IOException e) {
            throw new RejectedMessage("unreadable header: " + describe(e));
        }
        String problem = null;
        ObjectNode p = null;
        ObjectNode m = null;
        ObjectNode c = null;
        String part = "parent_header";
        try {
            p = object(parent);
            part = "metadata";
            m = object(metadata);
            part = "content";
            c = object(content);
        } catch (IOException e) {
            problem = part + ": " + describe(e);
        }
        if (problem != null && !(h.path("msg_id").isTextual() && h.path("msg_type").isTextual())) {
            throw new RejectedMessage(problem + " (and no msg_id/msg_type in its header to answer to)");
        }
        return new Message(List.copyOf(frames.subList(0, d)), h, p == null ? json.createObjectNode() : p,
                m == null ? json.createObjectNode() : m, c == null ? json.createObjectNode() : c,
                List.copyOf(frames.subList(d + 6, frames.size())), problem);
    }

    /** Jackson's message without its source excerpt, with the byte where reading stopped. */
    private static String describe(IOException e) {
        if (e instanceof JsonProcessingException j) {
            String what = j.getOriginalMessage();
            int nl = what.indexOf('\n');
            what = nl < 0 ? what : what.substring(0, nl);
            JsonLocation at = j.getLocation();
            return at == null || at.getByteOffset() < 0 ? what : what + " (at byte " + at.getByteOffset() + ")";
        }
        return e.getMessage();
    }

    private ObjectNode object(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return json.createObjectNode();
        }
        JsonNode n = reader.readTree(bytes);
        if (n == null || n.isNull() || n.isMissingNode()) {
            return json.createObjectNode();
        }
        if (!n.isObject()) {
            throw new IOException("expected a JSON object, got " + kind(n));
        }
        return (ObjectNode) n;
    }

    /** A JSON node's kind as a user reads it: "a string", "a number", "an array"... */
    public static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL, MISSING -> "null";
            default -> "binary data";
        };
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
