package io.precis.engine.data;

/** Data a model is run on: sentences, images with labels, or a text for next-token prediction. */
public sealed interface Dataset permits SentenceSet, ImageSet, TextCorpus {

    /** e.g. {@code sentences.txt} or {@code fashion-mnist test [evaluation, seed 7]}. */
    String name();

    /** SHA-256 of the content, for provenance and caches. */
    String hash();

    /** Samples: sentences, images, or characters of text. */
    int size();

    /** What it holds, in words, e.g. {@code 300 sentences} or {@code 10000 images 1x28x28 with labels}. */
    String description();
}
