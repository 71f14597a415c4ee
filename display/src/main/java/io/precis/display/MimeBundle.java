package io.precis.display;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A rich output: content by MIME type ({@code text/html} to a String, {@code application/json} to a Map or
 * List...) plus metadata, in the order added. The one bundle type of Precis: renderers produce it,
 * {@code display(...)} shows it, magics return it and the kernel writes it as Jupyter's {@code data} and
 * {@code metadata} JSON objects only when a message leaves (so content must be JSON-serialisable: strings,
 * numbers, booleans, maps, lists).
 */
public final class MimeBundle {

    private final Map<String, Object> data = new LinkedHashMap<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    /** A bundle of one MIME type's content. */
    public static MimeBundle of(String mimeType, Object content) {
        return new MimeBundle().with(mimeType, content);
    }

    /** A bundle holding copies of these data and metadata maps (e.g. read back from JSON). */
    public static MimeBundle of(Map<String, ?> data, Map<String, ?> metadata) {
        MimeBundle b = new MimeBundle();
        b.data.putAll(data);
        b.metadata.putAll(metadata);
        return b;
    }

    /** A bundle of plain text only. */
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

    /** The {@code text/plain} content, or "" when there is none. */
    public String plainText() {
        Object plain = data.get("text/plain");
        return plain == null ? "" : plain.toString();
    }

    @Override
    public String toString() {
        Object plain = data.get("text/plain");
        return plain != null ? plain.toString() : "MimeBundle" + data.keySet();
    }
}
