package io.precis.language;

import io.precis.engine.model.LayerRef;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Layers of a model as {@code show layers} lists them: name, kind, shape, parameters, dtype. */
public record LayerTable(String model, List<LayerRef> layers) {

    public LayerTable {
        layers = List.copyOf(layers);
    }

    public long params() {
        return layers.stream().mapToLong(LayerRef::params).sum();
    }

    public String toText() {
        int w = Math.max(5, layers.stream().mapToInt(l -> l.name().length()).max().orElse(5));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d layers, %,d parameters%n", model, layers.size(), params()));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %-9s  %-16s  %12s  %s%n", "layer", "kind", "shape", "params", "dtype"));
        for (LayerRef l : layers) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %-9s  %-16s  %,12d  %s%n", l.name(), l.kind().label(),
                    Arrays.toString(l.shape()), l.params(), l.dtype()));
        }
        return sb.toString();
    }

    public String toHtml() {
        StringBuilder sb = new StringBuilder();
        sb.append("<table class=\"precis-table\"><caption>").append(io.precis.engine.figure.Html.escape(model)).append(": ").append(layers.size())
                .append(" layers, ").append(String.format(Locale.ROOT, "%,d", params())).append(" parameters</caption>");
        sb.append("<thead><tr><th>layer</th><th>kind</th><th>shape</th><th>params</th><th>dtype</th></tr></thead><tbody>");
        for (LayerRef l : layers) {
            sb.append("<tr><td><code>").append(io.precis.engine.figure.Html.escape(l.name())).append("</code></td><td>").append(l.kind().label())
                    .append("</td><td>").append(Arrays.toString(l.shape())).append("</td><td style=\"text-align:right\">")
                    .append(String.format(Locale.ROOT, "%,d", l.params())).append("</td><td>").append(io.precis.engine.figure.Html.escape(l.dtype()))
                    .append("</td></tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
