package io.precis.engine.model.gguf;

import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelLoader;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;

/** llama.cpp GGUF files ({@code .gguf}): Llama-family weights and their tokenizer, run as DJL blocks. */
public final class GgufLoader implements ModelLoader {
    @Override public String name() { return "GGUF (llama.cpp)"; }

    @Override public List<String> extensions() { return List.of("gguf"); }

    @Override
    public Model load(Path file, LoadOptions options) {
        String name = file.getFileName().toString();
        String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        GgufBackend b = GgufBackend.load(file, options);
        return Models.of(stem, file.toString(), Models.sha256(file), b, b.tokenizer());
    }
}
