package io.precis.engine.model.djl;

import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelLoader;
import io.precis.engine.model.Models;
import java.nio.file.Path;
import java.util.List;

/** DJL {@code .params} files, with a {@code .precis.json} beside them naming the architecture built in Java. */
public final class ParamsLoader implements ModelLoader {
    @Override public String name() { return "DJL parameters (with a .precis.json naming the architecture)"; }

    @Override public List<String> extensions() { return List.of("params"); }

    @Override
    public Model load(Path file, LoadOptions options) {
        return Models.loadParams(file, options);
    }
}
