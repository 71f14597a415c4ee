package io.precis.dsl;

import io.precis.dsl.ast.Span;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;

/**
 * A cell's source and the mapping from ANTLR positions (code points) to {@link Span}s (Java string
 * offsets). The two differ only when the source holds characters outside the Basic Multilingual Plane.
 */
final class SourceText {

    private final String text;
    /** charOffset[i] = string offset of code point i; null when every code point is one char. */
    private final int[] charOffset;

    SourceText(String text) {
        this.text = text;
        int codePoints = text.codePointCount(0, text.length());
        if (codePoints == text.length()) {
            charOffset = null;
        } else {
            charOffset = new int[codePoints + 1];
            int offset = 0;
            for (int i = 0; i < codePoints; i++) {
                charOffset[i] = offset;
                offset += Character.charCount(text.codePointAt(offset));
            }
            charOffset[codePoints] = text.length();
        }
    }

    String text() {
        return text;
    }

    int offset(int codePointIndex) {
        if (charOffset == null) {
            return Math.min(codePointIndex, text.length());
        }
        return charOffset[Math.min(codePointIndex, charOffset.length - 1)];
    }

    Span span(Token token) {
        int start = offset(token.getStartIndex());
        int end = token.getType() == Token.EOF ? start : offset(token.getStopIndex() + 1);
        return new Span(start, Math.max(start, end), token.getLine(), token.getCharPositionInLine() + 1);
    }

    Span span(Token first, Token last) {
        Span a = span(first);
        if (last == null || last.getTokenIndex() < first.getTokenIndex()) {
            return a;
        }
        Span b = span(last);
        return new Span(a.start(), Math.max(a.end(), b.end()), a.line(), a.column());
    }

    Span span(ParserRuleContext ctx) {
        return span(ctx.getStart(), ctx.getStop());
    }

    /** An empty span right after {@code token} (where an incomplete statement stops). */
    Span after(Token token) {
        int end = offset(token.getStopIndex() + 1);
        int column = token.getCharPositionInLine() + 1
                + text.codePointCount(offset(token.getStartIndex()), end);
        return new Span(end, end, token.getLine(), column);
    }

    /** The text of the line holding {@code offset}, without its line break. */
    String lineAt(int offset) {
        int start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
        if (offset == 0) {
            start = 0;
        }
        int end = start;
        while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
            end++;
        }
        return text.substring(start, end);
    }
}
