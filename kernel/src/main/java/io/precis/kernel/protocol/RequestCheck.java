package io.precis.kernel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.wire.Message;
import io.precis.kernel.wire.MessageCodec;
import java.util.Map;

/**
 * Checks the types of the content fields the kernel reads, per message type, so a request with, say, a
 * number for its {@code code} is answered with an error naming the field instead of being run as text.
 * An absent field or JSON null keeps its default, as before.
 */
final class RequestCheck {

    private enum Kind { STRING, BOOLEAN, INTEGER, OBJECT }

    private static final Map<String, Map<String, Kind>> FIELDS = Map.of(
            "execute_request", Map.of("code", Kind.STRING, "silent", Kind.BOOLEAN, "store_history", Kind.BOOLEAN,
                    "user_expressions", Kind.OBJECT, "allow_stdin", Kind.BOOLEAN, "stop_on_error", Kind.BOOLEAN),
            "complete_request", Map.of("code", Kind.STRING, "cursor_pos", Kind.INTEGER),
            "inspect_request", Map.of("code", Kind.STRING, "cursor_pos", Kind.INTEGER, "detail_level", Kind.INTEGER),
            "is_complete_request", Map.of("code", Kind.STRING),
            "history_request", Map.of("output", Kind.BOOLEAN, "raw", Kind.BOOLEAN, "hist_access_type", Kind.STRING,
                    "session", Kind.INTEGER, "start", Kind.INTEGER, "stop", Kind.INTEGER, "n", Kind.INTEGER,
                    "pattern", Kind.STRING, "unique", Kind.BOOLEAN),
            "comm_info_request", Map.of("target_name", Kind.STRING),
            "shutdown_request", Map.of("restart", Kind.BOOLEAN),
            "input_reply", Map.of("value", Kind.STRING),
            "comm_open", Map.of("comm_id", Kind.STRING, "target_name", Kind.STRING, "data", Kind.OBJECT),
            "comm_msg", Map.of("comm_id", Kind.STRING, "data", Kind.OBJECT));

    private RequestCheck() {}

    /** What is wrong with a message's parts, or null when the kernel can act on it. */
    static String problem(Message m) {
        if (m.problem() != null) {
            return m.problem();
        }
        Map<String, Kind> fields = FIELDS.get(m.type());
        if (fields == null) {
            return null;
        }
        ObjectNode c = m.content();
        // Fixed order, so the message names the same field every time.
        for (String name : fields.keySet().stream().sorted().toList()) {
            JsonNode v = c.get(name);
            if (v == null || v.isNull()) {
                continue;
            }
            String wrong = wrong(fields.get(name), v);
            if (wrong != null) {
                return "content." + name + " must be " + wrong;
            }
        }
        if (m.type().equals("execute_request") && c.path("user_expressions").isObject()) {
            for (Map.Entry<String, JsonNode> e : c.get("user_expressions").properties()) {
                if (!e.getValue().isTextual()) {
                    return "content.user_expressions." + e.getKey() + " must be a string (code), not "
                            + MessageCodec.kind(e.getValue());
                }
            }
        }
        return null;
    }

    private static String wrong(Kind kind, JsonNode v) {
        return switch (kind) {
            case STRING -> v.isTextual() ? null : "a string, not " + MessageCodec.kind(v);
            case BOOLEAN -> v.isBoolean() ? null : "true or false, not " + MessageCodec.kind(v);
            case OBJECT -> v.isObject() ? null : "an object, not " + MessageCodec.kind(v);
            case INTEGER -> !v.isNumber() ? "an integer, not " + MessageCodec.kind(v)
                    : v.isIntegralNumber() && v.canConvertToInt() ? null
                    : "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", not " + shortText(v);
        };
    }

    private static String shortText(JsonNode v) {
        String t = v.asText();
        return t.length() <= 40 ? t : t.substring(0, 20) + "…(" + t.length() + " digits)";
    }
}
