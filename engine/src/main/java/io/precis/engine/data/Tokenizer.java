package io.precis.engine.data;

/** Text to token ids, the way a model was trained to read it. */
public interface Tokenizer {

    /** Token ids of one text, special tokens included where the model expects them. */
    long[] encode(String text);

    int vocabularySize();

    /** How many of the text's characters (or pieces) the vocabulary does not know; 0 when all are known. */
    default int unknownCount(String text) { return 0; }

    /** e.g. {@code huggingface:all-minilm-l6-v2-tokenizer.json} or {@code chars:83}. */
    String name();
}
