package io.precis.kernel.display;

import io.precis.display.MimeBundle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Rich output from Java cells. The kernel imports these statically, so a cell can write
 * {@code display(figure)}, {@code display("<b>hi</b>", "text/html")} or {@code clearOutput()}.
 */
public final class Display {

    private Display() {}

    /** Shows a value richly (its {@link Renderer}, else its text) and returns a handle to update it. */
    public static DisplayHandle display(Object value) {
        return show(Renderers.bundle(value));
    }

    /** Shows content of one MIME type, e.g. {@code display(svg, "image/svg+xml")}. */
    public static DisplayHandle display(String content, String mimeType) {
        return show(bundleOf(content, mimeType));
    }

    /** Shows HTML. */
    public static DisplayHandle html(String html) {
        return display(html, "text/html");
    }

    /** Shows Markdown. */
    public static DisplayHandle markdown(String markdown) {
        return display(markdown, "text/markdown");
    }

    /** Clears the cell's output now. */
    public static void clearOutput() {
        clearOutput(false);
    }

    /** Clears the cell's output; with {@code wait}, only when the next output arrives (no flicker). */
    public static void clearOutput(boolean wait) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("kind", "clear");
        frame.put("wait", wait);
        DisplayChannel.send(frame);
    }

    static MimeBundle bundleOf(String content, String mimeType) {
        if (mimeType == null || !mimeType.contains("/")) {
            throw new IllegalArgumentException("not a MIME type: '" + mimeType + "' (e.g. text/html, image/svg+xml, text/markdown)");
        }
        MimeBundle b = MimeBundle.of(mimeType, content);
        if (!mimeType.equals("text/plain")) {
            b.with("text/plain", "<" + mimeType + " output>");
        }
        return b;
    }

    private static DisplayHandle show(MimeBundle bundle) {
        DisplayHandle h = new DisplayHandle(UUID.randomUUID().toString());
        h.send("display", bundle);
        return h;
    }
}
