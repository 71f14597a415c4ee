package io.precis.magics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a magic shows: MIME type to content ({@code text/plain} to a String, {@code application/json} to a
 * Map or List), plus metadata. Kept free of any Jupyter wire types so magics stay protocol-agnostic.
 */
public record MimeData(Map<String, Object> data, Map<String, Object> metadata) {

    public MimeData {
        data = Map.copyOf(data);
        metadata = Map.copyOf(metadata);
    }

    public static MimeData text(String text) {
        return new MimeData(Map.of("text/plain", text), Map.of());
    }

    public static MimeData of(String mimeType, Object content, String plainText) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(mimeType, content);
        data.putIfAbsent("text/plain", plainText);
        return new MimeData(data, Map.of());
    }
}
