package io.precis.engine.figure;

import java.util.List;
import java.util.Locale;

/** Colours: Plotly's default sequence, and one fixed colour per layer kind so every figure agrees. */
public final class Palette {
    private Palette() {}

    public static final List<String> PLOTLY = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf");

    public static final String HIGHLIGHT = "#d62728";
    public static final String GRID = "#ff7f0e";
    public static final String MUTED = "#9e9e9e";

    public static String color(int i) {
        return PLOTLY.get(Math.floorMod(i, PLOTLY.size()));
    }

    /** linear blue, conv orange, embedding green, head red, norm purple, other grey. */
    public static String forKind(String kind) {
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "linear" -> "#1f77b4";
            case "conv" -> "#ff7f0e";
            case "embedding" -> "#2ca02c";
            case "head" -> "#d62728";
            case "norm" -> "#9467bd";
            default -> "#7f7f7f";
        };
    }

    static java.awt.Color awt(String hex) {
        return java.awt.Color.decode(hex);
    }
}
