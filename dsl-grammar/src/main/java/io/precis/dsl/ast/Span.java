package io.precis.dsl.ast;

/**
 * Where a node or a diagnostic sits in the source of a cell.
 *
 * @param start  offset of the first character (a Java {@code String} index)
 * @param end    offset just past the last character
 * @param line   1-based line of {@code start}
 * @param column 1-based column of {@code start}, counted in code points
 */
public record Span(int start, int end, int line, int column) {

    /** For nodes made by code rather than parsed (and for comparing trees while ignoring positions). */
    public static final Span NONE = new Span(0, 0, 0, 0);

    public Span {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span " + start + ".." + end);
        }
    }

    public int length() {
        return end - start;
    }

    /** The smallest span covering both; {@link #NONE} is neutral. */
    public Span to(Span other) {
        if (this == NONE || equals(NONE)) {
            return other;
        }
        if (other == NONE || other.equals(NONE)) {
            return this;
        }
        Span first = start <= other.start ? this : other;
        return new Span(first.start, Math.max(end, other.end), first.line, first.column);
    }

    @Override
    public String toString() {
        return line + ":" + column + "+" + length();
    }
}
