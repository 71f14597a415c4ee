package io.precis.engine.model.onnx;

import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelLoader;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;

/** Self-contained {@code .onnx} files, run by ONNX Runtime; a tokenizer.json beside the file is used. */
public final class OnnxLoader implements ModelLoader {
    @Override public String name() { return "ONNX (ONNX Runtime)"; }

    @Override public List<String> extensions() { return List.of("onnx"); }

    @Override
    public Model load(Path file, LoadOptions options) {
        return Models.loadOnnx(file, options);
    }
}
