package io.precis.engine.model;

import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import java.util.function.Consumer;

/**
 * Changes one weight tensor in place, e.g. fake-quantizes it to a format. Used by {@link Model#swap};
 * the model keeps the original bits and puts them back on {@link Model#restore}.
 */
@FunctionalInterface
public interface WeightTransform {

    void apply(WeightView weight);

    /** Short description for provenance, e.g. {@code int8 per-channel}. */
    default String label() {
        return "custom";
    }

    /**
     * Fake-quantizes each weight in place with {@code format}, its axis fitted to the tensor: per-channel scales
     * along the tensor's output channels, groups and blocks along its reduction axis (so an ONNX MatMul weight
     * [in, out] and a PyTorch Linear weight [out, in] are quantized alike).
     */
    static WeightTransform fakeQuantize(Format format) {
        return of(format.toString(), w -> {
            int[] dims = dims(w.tensor());
            fitted(format, w.tensor()).fakeQuantize(w.bytes(), dims.length == 0 ? new int[] {w.size()} : dims);
        });
    }

    /** The format with its axis fitted to the tensor's layout, as {@link #fakeQuantize} applies it. */
    static Format fitted(Format format, TensorRef tensor) {
        int rank = tensor.shape().length;
        return switch (format.granularity()) {
            case Granularity.PerChannel c -> rank > 1 ? format.axis(tensor.channelAxis()) : format;
            case Granularity.Groups g -> rank == 2 ? format.axis(tensor.reductionAxis()) : format;
            case Granularity.Blocks b -> rank == 2 ? format.axis(tensor.reductionAxis()) : format;
            default -> format;
        };
    }

    /** Bits per weight of the format on this tensor, scales and zero points included (exact for its shape). */
    static double bitsPerWeight(Format format, TensorRef tensor) {
        int[] dims = dims(tensor);
        return fitted(format, tensor).bitsPerWeight(dims.length == 0 ? new int[] {1} : dims);
    }

    private static int[] dims(TensorRef tensor) {
        long[] shape = tensor.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        return dims;
    }

    static WeightTransform of(String label, Consumer<WeightView> body) {
        return new WeightTransform() {
            @Override public void apply(WeightView w) { body.accept(w); }
            @Override public String label() { return label; }
            @Override public String toString() { return label; }
        };
    }
}
