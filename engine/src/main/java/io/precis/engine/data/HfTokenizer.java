package io.precis.engine.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.precis.engine.model.ModelException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/** A HuggingFace {@code tokenizer.json}, run by DJL's bundled native tokenizers library. */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final String name;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, String name) {
        this.tokenizer = tokenizer;
        this.name = name;
    }

    /**
     * Reads a tokenizer.json; {@code maxLength} truncates long texts (256 for sentence-transformers MiniLM).
     */
    public static HfTokenizer fromJson(byte[] json, String where, int maxLength) {
        String head = new String(json, 0, Math.min(json.length, 64), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!head.startsWith("{"))
            throw new ModelException(where, "not a HuggingFace tokenizer.json (does not start with '{')");
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "true", "truncation", "true", "padding", "false",
                            "maxLength", Integer.toString(maxLength)));
            return new HfTokenizer(t, "huggingface:" + where);
        } catch (IOException | RuntimeException e) {
            throw new ModelException(where, "cannot read tokenizer: " + e.getMessage(), e);
        }
    }

    @Override
    public long[] encode(String text) {
        Encoding e = tokenizer.encode(text);
        return e.getIds();
    }

    @Override
    public int vocabularySize() {
        return -1; // the HF API does not expose it; the model's embedding table bounds the ids
    }

    @Override
    public String name() { return name; }

    @Override
    public void close() { tokenizer.close(); }
}
