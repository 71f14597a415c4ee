package io.precis.kernel.display;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A rich output: content by MIME type ({@code text/html} to a String, {@code application/json} to a Map...)
 * plus metadata. What {@link Renderer}s produce and {@link Display#display(Object)} shows.
 */
public final class MimeBundle {

    private final Map<String, Object> data = new LinkedHashMap<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    public static MimeBundle of(String mimeType, Object content) {
        return new MimeBundle().with(mimeType, content);
    }

    public static MimeBundle text(String text) {
        return of("text/plain", text);
    }

    /** Adds or replaces the content of one MIME type. */
    public MimeBundle with(String mimeType, Object content) {
        data.put(mimeType, content);
        return this;
    }

    /** Adds metadata for one MIME type (e.g. image width) or a top-level key. */
    public MimeBundle withMetadata(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    public Map<String, Object> data() {
        return Collections.unmodifiableMap(data);
    }

    public Map<String, Object> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    @Override
    public String toString() {
        Object plain = data.get("text/plain");
        return plain != null ? plain.toString() : "MimeBundle" + data.keySet();
    }
}
