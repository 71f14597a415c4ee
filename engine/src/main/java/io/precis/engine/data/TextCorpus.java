package io.precis.engine.data;

import java.util.List;

/** One running text for next-token prediction, cut into windows of a model's context. */
public record TextCorpus(String name, String text, String hash) implements Dataset {

    public TextCorpus(String name, String text) {
        this(name, text, Hashing.of(List.of(text)));
    }

    @Override
    public int size() { return text.length(); }

    @Override
    public String description() { return "text of " + text.length() + " characters"; }

    /** The part {@code [from, to)} of the text, as its own corpus (for train / evaluation cuts). */
    public TextCorpus slice(String label, int from, int to) {
        return new TextCorpus(name + " [" + label + "]", text.substring(from, to));
    }

    /**
     * Non-overlapping windows of {@code context + 1} token ids (inputs are the first {@code context}, targets
     * the last {@code context}), in text order, at most {@code maxWindows}.
     */
    public long[][] windows(Tokenizer tokenizer, int context, int maxWindows) {
        long[] ids = tokenizer.encode(text);
        int n = Math.min(maxWindows, (ids.length - 1) / context);
        long[][] w = new long[Math.max(0, n)][];
        for (int i = 0; i < n; i++) {
            w[i] = new long[context + 1];
            System.arraycopy(ids, i * context, w[i], 0, context + 1);
        }
        return w;
    }

    @Override
    public String toString() { return name + " (" + description() + ")"; }
}
