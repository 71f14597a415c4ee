package io.precis.engine.model;

import java.util.Arrays;
import java.util.List;

/**
 * One layer of a model: its real name from the module path (e.g.
 * {@code encoder.layer.0.attention.self.query}), its kind, and its tensors grouped under it.
 */
public record LayerRef(String name, LayerKind kind, List<TensorRef> tensors) {

    public LayerRef {
        tensors = List.copyOf(tensors);
        if (tensors.isEmpty()) throw new IllegalArgumentException("layer " + name + " has no tensors");
    }

    /** The layer's main tensor: its weight if it has one, else its first tensor. */
    public TensorRef weight() {
        return tensors.stream().filter(t -> t.role() == TensorRef.Role.WEIGHT).findFirst().orElse(tensors.get(0));
    }

    /** The tensors a weight swap changes: the weights (matrices, kernels, tables), never biases. */
    public List<TensorRef> weights() {
        return tensors.stream().filter(t -> t.role() == TensorRef.Role.WEIGHT).toList();
    }

    /** Shape of the main tensor. */
    public long[] shape() {
        return weight().shape();
    }

    /** Parameters of all the layer's tensors. */
    public long params() {
        return tensors.stream().mapToLong(TensorRef::params).sum();
    }

    public String dtype() {
        return weight().dtype();
    }

    /** One row of a layer table: name, kind, shape, params, dtype. */
    @Override
    public String toString() {
        return name + "  " + kind.label() + "  " + Arrays.toString(shape()) + "  " + params() + "  " + dtype();
    }
}
