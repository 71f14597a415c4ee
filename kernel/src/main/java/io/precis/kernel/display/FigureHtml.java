package io.precis.kernel.display;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A figure as HTML that draws without a network: the first figure a session shows carries plotly.js (from npm,
 * shipped in the kernel jar) so the page has it once; every figure draws with {@code window.Plotly} when it is
 * there, and shows its PNG when it is not (an output cleared, a viewer that runs no scripts).
 */
final class FigureHtml {

    private static final String LIBRARY = "/io/precis/kernel/display/plotly/plotly.min.js";
    private static final AtomicBoolean SHIPPED = new AtomicBoolean();
    private static volatile String library;

    private FigureHtml() {}

    static String html(String plotlyJson, String pngBase64, int width, int height) {
        String id = "precis-figure-" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        sb.append("<div id=\"").append(id).append("\" class=\"precis-figure\" style=\"width:100%;max-width:").append(width)
                .append("px;height:").append(height).append("px\"><img alt=\"figure\" style=\"max-width:100%\" src=\"data:image/png;base64,")
                .append(pngBase64).append("\"></div>\n<script type=\"text/javascript\">\n");
        if (SHIPPED.compareAndSet(false, true)) {
            sb.append("if (!window.Plotly) {\n").append(scriptSafe(library())).append("\n}\n");
        }
        sb.append("(function () {\n  var el = document.getElementById(").append(jsString(id)).append(");\n")
                .append("  var fig = ").append(scriptSafe(plotlyJson)).append(";\n")
                .append("  if (el && window.Plotly) {\n    el.innerHTML = '';\n")
                .append("    window.Plotly.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false});\n  }\n")
                .append("})();\n</script>\n");
        return sb.toString();
    }

    private static String library() {
        String lib = library;
        if (lib == null) {
            try (InputStream in = FigureHtml.class.getResourceAsStream(LIBRARY)) {
                if (in == null) {
                    throw new IllegalStateException("plotly.js is missing from the kernel jar (" + LIBRARY + "): rebuild with 'make build'");
                }
                lib = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            library = lib;
        }
        return lib;
    }

    private static final java.util.regex.Pattern CLOSING = java.util.regex.Pattern.compile("(?i)</(script)");

    /** Text inside a script element must not close it: {@code </script} becomes {@code <\/script} (same in JS). */
    static String scriptSafe(String js) {
        return CLOSING.matcher(js).replaceAll("<\\\\/$1").replace("<!--", "<\\!--");
    }

    private static String jsString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
