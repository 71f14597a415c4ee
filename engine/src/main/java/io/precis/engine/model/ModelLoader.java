package io.precis.engine.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * One kind of model file Precis reads (ONNX, TorchScript, DJL parameters...), found with {@link ServiceLoader}
 * ({@code META-INF/services/io.precis.engine.model.ModelLoader}) the way DJL finds its engines. A new backend
 * is a {@link ModelBackend}, a loader naming its file extensions, and one line in that services file;
 * {@link Models#load(Path, LoadOptions)} picks the loader by extension and its error lists them all.
 */
public interface ModelLoader {

    /** What it reads, for messages: {@code ONNX (ONNX Runtime)}. */
    String name();

    /** File extensions it reads, lower case, without the dot: {@code onnx}. */
    List<String> extensions();

    /** Loads a model from a readable regular file with one of {@link #extensions()}. */
    Model load(Path file, LoadOptions options);

    /** Every loader on the class path (and the thread's context class loader), in services-file order. */
    static List<ModelLoader> all() {
        return ServiceLoader.load(ModelLoader.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    /** The loader for a file name's extension, if any. */
    static java.util.Optional<ModelLoader> forFile(String fileName) {
        String ext = fileName.contains(".") ? fileName.substring(fileName.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        return all().stream().filter(l -> l.extensions().contains(ext)).findFirst();
    }
}
