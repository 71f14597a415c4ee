package io.precis.engine.data;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Characters to ids for the small language models trained here. Id 0 is "unknown"; known characters get
 * 1..n in code-point order, so the same text always yields the same vocabulary.
 */
public final class CharTokenizer implements Tokenizer {
    private final String chars;
    private final int[] codePoints;

    public CharTokenizer(String chars) {
        this.chars = chars;
        this.codePoints = chars.codePoints().toArray();
        for (int i = 1; i < codePoints.length; i++)
            if (codePoints[i] <= codePoints[i - 1])
                throw new IllegalArgumentException("vocabulary must be sorted and distinct");
    }

    /** The vocabulary of a text: every distinct character in it. */
    public static CharTokenizer fromText(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        StringBuilder sb = new StringBuilder();
        set.forEach(sb::appendCodePoint);
        return new CharTokenizer(sb.toString());
    }

    /** The characters, in id order (id = index + 1). */
    public String chars() { return chars; }

    @Override
    public long[] encode(String text) {
        return text.codePoints().mapToLong(this::id).toArray();
    }

    public int id(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i < 0 ? 0 : i + 1;
    }

    public String decode(long[] ids) {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) sb.appendCodePoint(id <= 0 || id > codePoints.length ? '\uFFFD' : codePoints[(int) id - 1]);
        return sb.toString();
    }

    @Override
    public int unknownCount(String text) {
        return (int) text.codePoints().filter(c -> id(c) == 0).count();
    }

    @Override
    public int vocabularySize() { return codePoints.length + 1; }

    @Override
    public String name() { return "chars:" + vocabularySize(); }
}
