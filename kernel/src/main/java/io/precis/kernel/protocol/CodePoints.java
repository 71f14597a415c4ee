package io.precis.kernel.protocol;

/** Jupyter counts cursor positions in Unicode code points (protocol 5.2+); Java strings in UTF-16 units. */
final class CodePoints {
    private CodePoints() {}

    static int toUtf16(String s, int codePoints) {
        int cp = Math.max(0, Math.min(codePoints, s.codePointCount(0, s.length())));
        return s.offsetByCodePoints(0, cp);
    }

    static int fromUtf16(String s, int utf16) {
        return s.codePointCount(0, Math.max(0, Math.min(utf16, s.length())));
    }
}
