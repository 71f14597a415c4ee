package io.precis.engine.model.torch;

import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelLoader;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;

/** TorchScript files ({@code .pt}, {@code .pth}, {@code .torchscript}), run by PyTorch through DJL. */
public final class TorchScriptLoader implements ModelLoader {
    @Override public String name() { return "TorchScript (PyTorch)"; }

    @Override public List<String> extensions() { return List.of("pt", "pth", "torchscript"); }

    @Override
    public Model load(Path file, LoadOptions options) {
        String name = file.getFileName().toString();
        String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        String hash = Models.sha256(file);
        return Models.of(stem, file.toString(), hash, TorchScriptBackend.load(file, options), null);
    }
}
