package io.precis.engine.data;

import java.util.List;

/**
 * One running text for next-token prediction, cut into windows of a model's context.
 *
 * @param context window length in tokens for causal LMs without a position table (GGUF models): {@code 0} means
 *                the default ({@link #DEFAULT_CONTEXT}); for models with a learned position table it must not
 *                exceed the table, and {@code 0} means the table's length
 */
public record TextCorpus(String name, String text, String hash, int context) implements Dataset {
    /** Window length of a causal LM when none is set (tokens). */
    public static final int DEFAULT_CONTEXT = 256;

    public TextCorpus(String name, String text) {
        this(name, text, Hashing.of(List.of(text)), 0);
    }

    public TextCorpus(String name, String text, String hash) {
        this(name, text, hash, 0);
    }

    public TextCorpus {
        if (context < 0) throw new IllegalArgumentException("context must be positive, not " + context);
    }

    /** The same text cut into windows of {@code tokens} (its hash changes with it, so caches tell them apart). */
    public TextCorpus withContext(int tokens) {
        if (tokens < 2) throw new IllegalArgumentException("context must be at least 2 tokens, not " + tokens);
        String textHash = Hashing.of(List.of(text));
        return new TextCorpus(name, text, Hashing.of(List.of(textHash, "context " + tokens)), tokens);
    }

    @Override
    public int size() { return text.length(); }

    @Override
    public String description() {
        return "text of " + text.length() + " characters" + (context > 0 ? " in windows of " + context + " tokens" : "");
    }

    /** The part {@code [from, to)} of the text, as its own corpus (for train / evaluation cuts). */
    public TextCorpus slice(String label, int from, int to) {
        TextCorpus t = new TextCorpus(name + " [" + label + "]", text.substring(from, to));
        return context > 0 ? t.withContext(context) : t;
    }

    /**
     * Non-overlapping windows of {@code context + 1} token ids (inputs are the first {@code context}, targets
     * the last {@code context}), in text order, at most {@code maxWindows} (models with a position table).
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

    /**
     * A causal LM's windows: the text tokenized as one stream (no BOS/EOS added), cut into non-overlapping windows
     * of {@code length} tokens from token 0; the last partial window is dropped. Each window is scored on its own.
     */
    public long[][] streamWindows(Tokenizer tokenizer, int length) {
        long[] ids = tokenizer.encode(text);
        int n = ids.length / length;
        long[][] w = new long[n][];
        for (int i = 0; i < n; i++) w[i] = java.util.Arrays.copyOfRange(ids, i * length, (i + 1) * length);
        return w;
    }

    @Override
    public String toString() { return name + " (" + description() + ")"; }
}
