package io.precis.engine.figure;

import java.util.List;
import java.util.Set;

/** Small HTML helpers for result tables: escaping, and a plain table with a caption and a note. */
public final class Html {
    private Html() {}

    /** Escapes {@code & < > " '} so any text (layer names, formats, messages) is shown as written. */
    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * A table; every cell is escaped. {@code numeric} columns are right-aligned.
     *
     * @param caption shown above (escaped), or null
     * @param note shown below in small print (escaped), or null
     */
    public static String table(String caption, List<String> header, List<List<String>> rows, Set<Integer> numeric, String note) {
        StringBuilder sb = new StringBuilder();
        sb.append("<div class=\"precis-table\">");
        sb.append("<table style=\"border-collapse:collapse;font-size:90%\">");
        if (caption != null) sb.append("<caption style=\"text-align:left;font-weight:bold;padding:2px 0\">").append(escape(caption)).append("</caption>");
        sb.append("<thead><tr>");
        for (int i = 0; i < header.size(); i++)
            sb.append("<th style=\"text-align:").append(numeric.contains(i) ? "right" : "left")
                    .append(";padding:2px 8px;border-bottom:1px solid #999\">").append(escape(header.get(i))).append("</th>");
        sb.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            sb.append("<tr>");
            for (int i = 0; i < row.size(); i++)
                sb.append("<td style=\"text-align:").append(numeric.contains(i) ? "right" : "left").append(";padding:2px 8px\">")
                        .append(escape(row.get(i))).append("</td>");
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        if (note != null && !note.isEmpty()) sb.append("<div style=\"font-size:80%;color:#555\">").append(escape(note)).append("</div>");
        sb.append("</div>");
        return sb.toString();
    }
}
