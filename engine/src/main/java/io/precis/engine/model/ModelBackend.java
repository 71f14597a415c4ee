package io.precis.engine.model;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * One engine behind a {@link Model}: PyTorch TorchScript, ONNX Runtime, or a DJL block built in Java.
 * Swap bookkeeping (originals, restore, hashes) lives in {@link Model}, the same for all.
 */
public interface ModelBackend extends AutoCloseable {

    /** Engine name and version, e.g. {@code PyTorch 2.7.1} or {@code OnnxRuntime 1.23.2}. */
    String engine();

    /** Where it runs: {@code cpu} or {@code gpu(0)}. */
    String device();

    ModelTask task();

    /** The layer table, in model order. */
    List<LayerRef> layers();

    /**
     * The live float32 little-endian bytes of a tensor; writes change the model (ONNX Runtime: after
     * {@link #weightsChanged}). Zero-copy where the engine allows it.
     */
    ByteBuffer weights(TensorRef tensor);

    /** Called after weights changed; {@code modified} is every tensor now differing from the file. */
    default void weightsChanged(Set<TensorRef> modified) {}

    ModelOutput forward(ModelInput input);

    /** Size and kind of input the model takes, in words, e.g. {@code images 1x28x28} or {@code text}. */
    String inputDescription();

    /** For image models: {channels, height, width}; null otherwise. */
    default int[] imageShape() { return null; }

    @Override
    void close();
}
