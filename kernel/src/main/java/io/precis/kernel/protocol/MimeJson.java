package io.precis.kernel.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.display.MimeBundle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link MimeBundle} as Jupyter JSON: its {@code data} and {@code metadata} objects for a message, and the
 * {@code {"data":…,"metadata":…}} text in which a cell's value crosses from the execution JVM. The bundle is
 * the one type every layer uses; this is its only serialisation, written where a message leaves.
 */
public final class MimeJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MimeJson() {}

    /** The bundle's {@code data} object. */
    public static ObjectNode data(MimeBundle bundle) {
        return tree(bundle.data());
    }

    /** The bundle's {@code metadata} object. */
    public static ObjectNode metadata(MimeBundle bundle) {
        return tree(bundle.metadata());
    }

    /** {@code {"data":…,"metadata":…}} as text. */
    public static String write(MimeBundle bundle) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", bundle.data());
        m.put("metadata", bundle.metadata());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        }
    }

    /** The bundle {@link #write} wrote: content back as Strings, numbers, booleans, Maps and Lists. */
    @SuppressWarnings("unchecked")
    public static MimeBundle read(String json) throws JsonProcessingException {
        Map<String, Object> m = JSON.readValue(json, Map.class);
        Object data = m.get("data");
        Object metadata = m.getOrDefault("metadata", Map.of());
        if (!(data instanceof Map) || !(metadata instanceof Map)) {
            throw new IllegalArgumentException("not a MIME bundle: " + json.substring(0, Math.min(json.length(), 80)));
        }
        return MimeBundle.of((Map<String, Object>) data, (Map<String, Object>) metadata);
    }

    private static ObjectNode tree(Map<String, Object> map) {
        try {
            return JSON.valueToTree(map);
        } catch (IllegalArgumentException e) {
            throw notJson(e);
        }
    }

    private static IllegalArgumentException notJson(Exception e) {
        String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new IllegalArgumentException("a display's content is not JSON-serializable: " + why, e);
    }
}
