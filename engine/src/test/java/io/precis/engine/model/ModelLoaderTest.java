package io.precis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelLoaderTest {

    @Test
    void backendsAreFoundThroughTheServicesFileEachExtensionOnce() {
        List<ModelLoader> loaders = ModelLoader.all();
        List<String> extensions = loaders.stream().flatMap(l -> l.extensions().stream()).toList();
        assertTrue(extensions.containsAll(List.of("onnx", "pt", "pth", "torchscript", "params")), extensions.toString());
        assertEquals(extensions.size(), extensions.stream().distinct().count(), "one loader per extension: " + extensions);
        assertEquals("io.precis.engine.model.onnx.OnnxLoader", ModelLoader.forFile("a.ONNX").orElseThrow().getClass().getName());
        assertTrue(ModelLoader.forFile("model.bin").isEmpty());
    }
}
