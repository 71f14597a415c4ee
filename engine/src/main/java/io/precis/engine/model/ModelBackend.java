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

    /**
     * How many stages the forward pass runs in sequence, each reading only what the stages before it pass on;
     * 1 when it cannot be resumed in the middle (TorchScript, and ONNX without live buffers).
     */
    default int stages() { return 1; }

    /** The first stage that reads this layer's weights (0 for single-stage models). */
    default int stageOf(LayerRef layer) { return 0; }

    /**
     * Runs the stages {@code from..stages()-1}. {@code resume} is the input of stage {@code from} (ignored for
     * stage 0, which reads {@code input}); when {@code collect} is not null, the input of every later stage is
     * added to it in order. Multi-stage back-ends override this.
     */
    default ModelOutput forwardStages(ModelInput input, int from, Activation resume, java.util.List<Activation> collect) {
        if (from != 0 || collect != null) throw new UnsupportedOperationException(engine() + " runs its forward pass as one stage");
        return forward(input);
    }

    /**
     * Runs {@code input} and returns, for each of {@code layers} (linear layers), the rows its weight multiplies:
     * {@code [rows][input features]} flattened, one row per real token (padding left out) or per sample. Layers
     * that read the same tensor get the same array. The forward pass reads the weights as they are now (swapped
     * or not). Back-ends that cannot see inside their forward pass throw {@link UnsupportedOperationException}.
     */
    default java.util.Map<String, float[]> layerInputs(ModelInput input, List<LayerRef> layers) {
        throw new UnsupportedOperationException(engine() + " cannot capture its layers' inputs (calibration needs an ONNX model, "
                + "a GGUF language model or one of Precis's DJL blocks here)");
    }

    /**
     * As {@link #layerInputs(ModelInput, List)}, but each distinct input goes to {@code sink} with the names of the
     * wanted layers reading it, as soon as it exists, so that only one of them need be held at a time (DJL blocks
     * hand them over during the pass; the default collects them first).
     */
    default void layerInputs(ModelInput input, List<LayerRef> layers, java.util.function.BiConsumer<List<String>, float[]> sink) {
        java.util.Map<String, float[]> rows = layerInputs(input, layers);
        java.util.Map<float[], List<String>> byArray = new java.util.IdentityHashMap<>();
        List<float[]> order = new java.util.ArrayList<>();
        for (LayerRef l : layers) {
            float[] x = rows.get(l.name());
            if (x == null) continue;
            byArray.computeIfAbsent(x, k -> {
                order.add(k);
                return new java.util.ArrayList<>();
            }).add(l.name());
        }
        for (float[] x : order) sink.accept(byArray.get(x), x);
    }

    /**
     * From now on, {@link #forward} fake-quantizes the input of each of {@code quant}'s linear layers before its
     * weight multiplies it (divided first by the layer's {@code smooth} divisors, SmoothQuant kept as an explicit
     * scale, or folded into the preceding norm where the graph allows); an empty map turns it off. ONNX models then
     * run as one stage; Precis's DJL blocks and GGUF models keep their stages, and a pass that collects stage inputs
     * runs without the rules (full-precision inputs for resumed passes).
     *
     * @return the layers whose divisors were folded into a preceding norm (the rest are explicit)
     */
    default java.util.Set<LayerRef> quantizeActivations(java.util.Map<LayerRef, io.precis.engine.algo.ActivationQuant> quant,
                                                        java.util.Map<LayerRef, float[]> smooth) {
        if (!quant.isEmpty()) throw new UnsupportedOperationException(engine() + " cannot quantize its layers' inputs (activation quantization needs an ONNX model, a GGUF language model or one of Precis's DJL blocks here)");
        return java.util.Set.of();
    }

    /**
     * The gradient of the mean cross-entropy of {@code input}'s output vectors against {@code targets} (one class
     * or next token per output vector, in order) with respect to each float32 weight tensor, by name, from one
     * backward pass with the weights as they are now. Back-ends without a backward pass (ONNX Runtime, GGUF) throw
     * {@link UnsupportedOperationException}.
     */
    default java.util.Map<String, float[]> lossGradients(ModelInput input, int[] targets) {
        throw new UnsupportedOperationException(engine() + " has no backward pass, so it gives no gradients (they need a model on DJL's"
                + " PyTorch engine: a .params or TorchScript file)");
    }

    /** Size and kind of input the model takes, in words, e.g. {@code images 1x28x28} or {@code text}. */
    String inputDescription();

    /** For image models: {channels, height, width}; null otherwise. */
    default int[] imageShape() { return null; }

    @Override
    void close();
}
