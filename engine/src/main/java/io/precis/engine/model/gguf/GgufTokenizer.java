package io.precis.engine.model.gguf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.engine.data.Tokenizer;
import io.precis.engine.model.ModelException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer stored in a GGUF's metadata ({@code tokenizer.ggml.*}), run by DJL's HuggingFace tokenizers: the
 * vocabulary, merges and pre-tokenizer are turned into a {@code tokenizer.json} (no hand-written BPE). GPT-2
 * byte-level BPE ({@code tokenizer.ggml.model = gpt2}) with the pre-tokenizers llama.cpp names {@code smollm},
 * {@code gpt2}/{@code default}, {@code llama-bpe}/{@code llama3} and {@code qwen2}. Text is encoded as it is: no
 * BOS/EOS added, no truncation (a causal LM's text is one token stream); control tokens in the text are matched.
 */
public final class GgufTokenizer implements Tokenizer, AutoCloseable {
    private static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabulary;
    private final String name;
    private final String json;

    private GgufTokenizer(HuggingFaceTokenizer tokenizer, int vocabulary, String name, String json) {
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.name = name;
        this.json = json;
    }

    /** The tokenizer of a GGUF file, or an error naming the file and the metadata key that is missing or unsupported. */
    public static GgufTokenizer of(GgufFile file) {
        String where = file.path().toString();
        String json = tokenizerJson(file);
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "100000000"));
            return new GgufTokenizer(t, file.get("tokenizer.ggml.tokens").length(), "gguf:" + file.path().getFileName(), json);
        } catch (IOException | RuntimeException e) {
            throw new ModelException(where, "cannot build the tokenizer from tokenizer.ggml.*: " + e.getMessage(), e);
        }
    }

    /** A HuggingFace tokenizer.json equivalent to the GGUF's tokenizer metadata. */
    public static String tokenizerJson(GgufFile file) {
        String where = file.path().toString();
        String model = file.string("tokenizer.ggml.model", null);
        if (!model.equals("gpt2"))
            throw new ModelException(where, "tokenizer.ggml.model is '" + model + "'; Precis reads GPT-2 byte-level BPE tokenizers (gpt2)");
        GgufValue tokensValue = file.get("tokenizer.ggml.tokens"), mergesValue = file.get("tokenizer.ggml.merges");
        if (tokensValue == null || tokensValue.asStrings() == null)
            throw new ModelException(where, "metadata key 'tokenizer.ggml.tokens' is missing or not a string array");
        if (mergesValue == null || mergesValue.asStrings() == null)
            throw new ModelException(where, "metadata key 'tokenizer.ggml.merges' is missing or not a string array");
        List<String> tokens = tokensValue.asStrings();
        GgufValue typesValue = file.get("tokenizer.ggml.token_type");
        int[] types = typesValue != null && typesValue.value() instanceof int[] a ? a : null;
        String pre = file.string("tokenizer.ggml.pre", "default");
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            // llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
            int type = types != null && i < types.length ? types[i] : 1;
            if (type == 3 || type == 4) {
                ObjectNode a = added.addObject();
                a.put("id", i).put("content", tokens.get(i)).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", type == 3);
            }
        }
        root.putNull("normalizer");
        ObjectNode preTok = root.putObject("pre_tokenizer");
        preTok.put("type", "Sequence");
        ArrayNode seq = preTok.putArray("pretokenizers");
        switch (pre) {
            case "smollm" -> {
                seq.addObject().put("type", "Digits").put("individual_digits", true);
                byteLevel(seq.addObject(), true);
            }
            case "gpt2", "default", "gpt-2" -> byteLevel(seq.addObject(), true);
            case "llama-bpe", "llama3", "llama-v3" -> { split(seq.addObject(), LLAMA3_SPLIT); byteLevel(seq.addObject(), false); }
            case "qwen2" -> { split(seq.addObject(), QWEN2_SPLIT); byteLevel(seq.addObject(), false); }
            default -> throw new ModelException(where, "tokenizer.ggml.pre '" + pre + "' is not supported; Precis reads smollm, gpt2, llama-bpe and qwen2");
        }
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode m = root.putObject("model");
        m.put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", false);
        m.put("byte_fallback", false);
        ObjectNode vocab = m.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        ArrayNode merges = m.putArray("merges");
        for (String s : mergesValue.asStrings()) merges.add(s);
        try {
            return om.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void byteLevel(ObjectNode n, boolean useRegex) {
        n.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", useRegex);
    }

    private static void split(ObjectNode n, String regex) {
        n.put("type", "Split");
        n.putObject("pattern").put("Regex", regex);
        n.put("behavior", "Isolated");
        n.put("invert", false);
    }

    /** The tokenizer.json this tokenizer runs (for inspection and export). */
    public String json() { return json; }

    @Override
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    @Override
    public int vocabularySize() { return vocabulary; }

    @Override
    public String name() { return name; }

    @Override
    public void close() { tokenizer.close(); }
}
