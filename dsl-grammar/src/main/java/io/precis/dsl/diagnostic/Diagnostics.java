package io.precis.dsl.diagnostic;

import io.precis.dsl.ast.Span;
import java.util.List;

/**
 * Turns diagnostics into the text the user reads, in one format for syntax and semantic errors alike:
 *
 * <pre>
 * line 1:20: unknown format 'in4'. Did you mean int4? Formats: int2..int8, ...
 * quantize layer* to in4 where sensitivity &lt; x
 *                    ^^^
 * </pre>
 *
 * The caret line copies the tabs of the source line so the carets stay under the span; a span running
 * past its first line is underlined to the end of that line; an empty span (end of input) gets one caret.
 */
public final class Diagnostics {

    private Diagnostics() {
    }

    /** All diagnostics, each with its source line and carets, in the given order, separated by newlines. */
    public static String format(String source, List<Diagnostic> diagnostics) {
        StringBuilder out = new StringBuilder();
        for (Diagnostic diagnostic : diagnostics) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(format(source, diagnostic));
        }
        return out.toString();
    }

    /** One diagnostic: {@code line L:C: text}, then the source line and a caret line under the span. */
    public static String format(String source, Diagnostic diagnostic) {
        Span span = diagnostic.span();
        String head = span.line() > 0 ? "line " + span.line() + ":" + span.column() + ": " : "";
        if (span.line() <= 0 || span.start() > source.length()) {
            return head + diagnostic.text();
        }
        int lineStart = source.lastIndexOf('\n', Math.max(0, span.start() - 1)) + 1;
        if (span.start() == 0) {
            lineStart = 0;
        }
        int lineEnd = indexOfLineEnd(source, lineStart);
        String line = source.substring(lineStart, lineEnd);
        StringBuilder carets = new StringBuilder();
        int start = Math.min(span.start(), lineEnd);
        for (int i = lineStart; i < start; ) {
            int cp = source.codePointAt(i);
            carets.append(cp == '\t' ? '\t' : ' ');
            i += Character.charCount(cp);
        }
        int end = Math.min(span.end(), lineEnd);
        int width = Math.max(1, source.codePointCount(start, Math.max(start, end)));
        carets.append("^".repeat(width));
        return head + diagnostic.text() + "\n" + line + "\n" + carets;
    }

    private static int indexOfLineEnd(String source, int from) {
        for (int i = from; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return source.length();
    }
}
