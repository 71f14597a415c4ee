package io.precis.kernel.display;

import io.precis.display.MimeBundle;
import java.util.LinkedHashMap;
import java.util.Map;

/** A displayed output that can be replaced in place, e.g. a progress bar or a figure being refined. */
public final class DisplayHandle {

    private final String id;

    DisplayHandle(String id) {
        this.id = id;
    }

    /** The Jupyter display id. */
    public String id() {
        return id;
    }

    /** Replaces what this handle shows with the rich form of {@code value}. */
    public DisplayHandle update(Object value) {
        send("update", Renderers.bundle(value));
        return this;
    }

    /** Replaces what this handle shows with content of one MIME type. */
    public DisplayHandle update(String content, String mimeType) {
        send("update", Display.bundleOf(content, mimeType));
        return this;
    }

    void send(String kind, MimeBundle bundle) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("kind", kind);
        frame.put("display_id", id);
        frame.put("data", bundle.data());
        frame.put("metadata", bundle.metadata());
        DisplayChannel.send(frame);
    }

    @Override
    public String toString() {
        return "DisplayHandle[" + id + "]";
    }
}
