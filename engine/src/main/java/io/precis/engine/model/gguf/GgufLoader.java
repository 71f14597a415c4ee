package io.precis.engine.model.gguf;

import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelLoader;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;

/** GGUF files (llama.cpp): Llama-family language models with their tokenizer, run by PyTorch through DJL. */
public final class GgufLoader implements ModelLoader {
    @Override public String name() { return "GGUF (llama.cpp; llama and qwen2 architectures)"; }

    @Override public List<String> extensions() { return List.of("gguf"); }

    @Override
    public Model load(Path file, LoadOptions options) {
        String name = file.getFileName().toString();
        String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        String hash = Models.sha256(file);
        GgufBackend b = GgufBackend.load(file, options);
        return Models.of(stem, file.toString(), hash, b, b.tokenizer());
    }
}
