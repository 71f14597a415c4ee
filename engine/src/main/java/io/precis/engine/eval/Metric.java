package io.precis.engine.eval;

/** What an evaluation measured, and whether bigger is better. */
public enum Metric {
    LOSS("cross-entropy loss", "nats", false),
    PERPLEXITY("perplexity", "", false),
    ACCURACY("accuracy", "", true),
    KL("KL divergence to full precision", "nats", false),
    COSINE("mean cosine to full-precision embeddings", "", true),
    NN_AGREEMENT("nearest-neighbour agreement with full precision", "", true);

    private final String description;
    private final String unit;
    private final boolean higherIsBetter;

    Metric(String description, String unit, boolean higherIsBetter) {
        this.description = description;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }

    public String description() { return description; }

    public String unit() { return unit; }

    public boolean higherIsBetter() { return higherIsBetter; }

    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
