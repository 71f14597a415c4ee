package io.precis.engine.data;

import io.precis.engine.model.ModelException;
import java.util.Locale;

/**
 * How a data file is read: its kind ({@code sentences}, one per line, or {@code text}, a corpus for language
 * models) and, for sentences, how many to keep. Each setter range-checks its value and says what is allowed,
 * so a front end (the language's {@code options (limit = ...)}) passes the user's value straight through.
 */
public record DataOptions(String kind, int limit) {

    public static final String SENTENCES = "sentences";
    public static final String TEXT = "text";

    public static DataOptions defaults() {
        return new DataOptions(SENTENCES, 0);
    }

    /** {@code sentences} or {@code text}, in any case. */
    public DataOptions kind(String k) {
        String v = k == null ? "" : k.strip().toLowerCase(Locale.ROOT);
        if (!v.equals(SENTENCES) && !v.equals(TEXT))
            throw new ModelException("option kind", "unknown data kind '" + k + "': sentences (one per line) or text "
                    + "(a corpus for language models)");
        return new DataOptions(v, limit);
    }

    /** The first {@code n} sentences: a whole number from 1 to 2147483647 (-1, 0.5, 1e308 are refused). */
    public DataOptions limit(double n) {
        if (!(n >= 1 && n <= Integer.MAX_VALUE) || n != Math.rint(n))
            throw new ModelException("option limit", "must be a whole number of sentences from 1 to " + Integer.MAX_VALUE
                    + ", not " + shown(n));
        return new DataOptions(kind, (int) n);
    }

    /** True when a limit was set. */
    public boolean limited() {
        return limit > 0;
    }

    private static String shown(double n) {
        return n == Math.rint(n) && Math.abs(n) < 1e15 ? String.valueOf((long) n) : String.valueOf(n);
    }
}
