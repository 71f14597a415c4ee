package io.precis.kernel.java;

import java.util.ArrayList;
import java.util.List;
import jdk.jshell.SourceCodeAnalysis;

/** Splits a cell into the snippets JShell evaluates one at a time, keeping where each starts in the cell. */
final class CellSplitter {

    /** A snippet's exact text and its UTF-16 offset in the cell. */
    record Chunk(String source, int start) {}

    private CellSplitter() {}

    static List<Chunk> split(SourceCodeAnalysis sca, String code) {
        List<Chunk> chunks = new ArrayList<>();
        String rest = code;
        int offset = 0;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = sca.analyzeCompletion(rest);
            if (ci.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            String remaining = ci.remaining();
            int consumed = rest.length() - remaining.length();
            if (consumed <= 0 || !rest.endsWith(remaining)) {
                consumed = rest.length();
            }
            String text = rest.substring(0, consumed);
            if (!text.isBlank()) {
                // JShell numbers lines from the first non-blank character only when nothing blank precedes it.
                int lead = 0;
                while (Character.isWhitespace(text.charAt(lead))) {
                    lead++;
                }
                chunks.add(new Chunk(text.substring(lead), offset + lead));
            }
            offset += consumed;
            rest = rest.substring(consumed);
        }
        return chunks;
    }

    /** The snippet the cursor is in (or right after); the whole text before the cursor when none. */
    static Chunk chunkAt(SourceCodeAnalysis sca, String code, int cursor) {
        Chunk best = new Chunk(code, 0);
        for (Chunk c : split(sca, code)) {
            if (c.start() <= cursor) {
                best = c;
            }
        }
        return best;
    }

    /** 1-based line number of a UTF-16 offset. */
    static int lineOf(String code, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < code.length(); i++) {
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** "In line 3:", the line, and carets under [start, end), as javac and Trino show errors. */
    static List<String> pointAt(String code, int start, int end, int firstLine) {
        int lineStart = code.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
        if (start == 0) {
            lineStart = 0;
        }
        int lineEnd = code.indexOf('\n', start);
        if (lineEnd < 0) {
            lineEnd = code.length();
        }
        String line = code.substring(lineStart, lineEnd);
        int col = start - lineStart;
        int width = Math.max(1, Math.min(end, lineEnd) - start);
        String pad = line.substring(0, Math.min(col, line.length())).replaceAll("[^\t]", " ");
        List<String> out = new ArrayList<>();
        out.add("line " + (firstLine + lineOf(code, start) - 1) + ":" + (col + 1) + ":");
        out.add(line);
        out.add(pad + "^".repeat(width));
        return out;
    }

    /** Indent for the next line of an incomplete cell: the last line's, plus four after an opening brace. */
    static String indentAfter(String code) {
        String[] lines = code.split("\n", -1);
        String last = lines[lines.length - 1].isBlank() && lines.length > 1 ? lines[lines.length - 2] : lines[lines.length - 1];
        int n = 0;
        while (n < last.length() && (last.charAt(n) == ' ' || last.charAt(n) == '\t')) {
            n++;
        }
        String indent = last.substring(0, n);
        String t = last.strip();
        return t.endsWith("{") || t.endsWith("(") ? indent + "    " : indent;
    }
}
