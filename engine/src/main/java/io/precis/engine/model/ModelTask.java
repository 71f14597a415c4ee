package io.precis.engine.model;

/** What a model's output means; it decides which metrics apply. */
public enum ModelTask {
    /** Text in, one vector per sentence out (mean-pooled over tokens, like sentence-transformers). */
    EMBEDDING,
    /** Images (or vectors) in, class logits out. */
    CLASSIFIER,
    /** Tokens in, next-token logits for every position out. */
    LANGUAGE_MODEL;

    public static ModelTask parse(String s, String where) {
        return switch (s.toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "embedding", "embeddings" -> EMBEDDING;
            case "classifier", "classification" -> CLASSIFIER;
            case "language_model", "lm" -> LANGUAGE_MODEL;
            default -> throw new ModelException(where, "unknown task '" + s + "'; tasks: embedding, classifier, language-model");
        };
    }
}
