package io.precis.engine.figure;

import java.util.List;
import java.util.Set;

/** A fixed-width text table: the plain-text fallback of every HTML table. */
public final class TextTable {
    private TextTable() {}

    public static String render(List<String> header, List<List<String>> rows, Set<Integer> numeric) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows)
            for (int i = 0; i < r.size() && i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        line(sb, header, w, numeric);
        for (int i = 0; i < w.length; i++) sb.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        sb.append('\n');
        for (List<String> r : rows) line(sb, r, w, numeric);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w, Set<Integer> numeric) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String c = i < cells.size() ? cells.get(i) : "";
            if (i > 0) l.append("  ");
            String pad = " ".repeat(w[i] - c.length());
            l.append(numeric.contains(i) ? pad + c : c + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}
