package io.precis.engine.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.engine.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer built from GGUF metadata, against ids from the Python tokenizers package (smollm2-reference.json). */
class GgufTokenizerTest {

    @Test
    void smolLm2IdsEqualThePythonTokenizersPackage() throws Exception {
        Path file = CachedModels.find(CachedModels.SMOLLM2).orElse(null);
        assumeTrue(file != null, CachedModels.missing(CachedModels.SMOLLM2));
        JsonNode ref = new ObjectMapper().readTree(Path.of("src/test/resources/gguf/smollm2-reference.json").toFile());
        try (GgufTokenizer tok = GgufTokenizer.of(GgufFile.open(file))) {
            assertEquals(49152, tok.vocabularySize());
            for (JsonNode s : ref.get("strings")) {
                long[] want = new long[s.get("ids").size()];
                for (int i = 0; i < want.length; i++) want[i] = s.get("ids").get(i).asLong();
                assertArrayEquals(want, tok.encode(s.get("text").asText()), s.get("text").asText());
            }
            long[] all = tok.encode(Files.readString(Path.of("../models/data/sentences.txt")));
            assertEquals(ref.get("sentences_txt_tokens").asInt(), all.length);
            for (int i = 0; i < ref.get("window").size(); i++) assertEquals(ref.get("window").get(i).asLong(), all[i], "token " + i);
        }
    }

    @Test
    void tinyTokenizerAppliesItsMergesAndControlTokens(@TempDir Path tmp) {
        GgufFile f = GgufFile.open(TinyGguf.write(tmp.resolve("t.gguf"), 1, true));
        List<String> vocab = f.get("tokenizer.ggml.tokens").asStrings();
        try (GgufTokenizer tok = GgufTokenizer.of(f)) {
            long[] ids = tok.encode(" the<|endoftext|>a");
            assertArrayEquals(new long[] {vocab.indexOf("Ġthe"), vocab.indexOf("<|endoftext|>"), vocab.indexOf("a")}, ids);
            // bytes outside the merges fall back to byte tokens: no id is ever unknown
            assertEquals(3 * 3 + 0, tok.encode("日本語").length);
        }
    }

    @Test
    void unsupportedTokenizersAreClearErrors(@TempDir Path tmp) throws Exception {
        Path p = TinyGguf.write(tmp.resolve("t.gguf"), 1, true);
        String s = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1).replaceFirst("smollm", "falcon");
        Path bad = tmp.resolve("bad.gguf");
        Files.write(bad, s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ModelException e = assertThrows(ModelException.class, () -> GgufTokenizer.of(GgufFile.open(bad)));
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre 'falcon' is not supported"), e.getMessage());
    }
}
