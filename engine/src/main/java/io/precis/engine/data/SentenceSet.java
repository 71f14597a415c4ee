package io.precis.engine.data;

import java.util.ArrayList;
import java.util.List;

/** A list of sentences (or short texts), e.g. for an embedding model. */
public record SentenceSet(String name, List<String> sentences, String hash) implements Dataset {

    public SentenceSet {
        sentences = List.copyOf(sentences);
    }

    public SentenceSet(String name, List<String> sentences) {
        this(name, sentences, Hashing.of(sentences));
    }

    @Override
    public int size() { return sentences.size(); }

    @Override
    public String description() { return sentences.size() + " sentences"; }

    /** The first {@code n} sentences (all if fewer). */
    public SentenceSet first(int n) {
        return n >= sentences.size() ? this : new SentenceSet(name + " [first " + n + "]", sentences.subList(0, n));
    }

    SentenceSet subset(String label, int[] indices) {
        List<String> s = new ArrayList<>(indices.length);
        for (int i : indices) s.add(sentences.get(i));
        return new SentenceSet(name + " [" + label + "]", s);
    }

    /** Consecutive batches of at most {@code batchSize} sentences. */
    public List<List<String>> batches(int batchSize) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i += batchSize) out.add(sentences.subList(i, Math.min(sentences.size(), i + batchSize)));
        return out;
    }

    @Override
    public String toString() { return name + " (" + description() + ")"; }
}
