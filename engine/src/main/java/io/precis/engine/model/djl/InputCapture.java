package io.precis.engine.model.djl;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What a {@link StagedBlock} hands out during a calibration pass: the tensor each linear layer multiplies by its
 * weight, offered once per distinct tensor with the names of every layer that reads it (query, key and value
 * share one). Only wanted layers reach the sink, as soon as they are computed, so the caller can fold them into
 * its statistics and let them go; a block stops its pass once {@link #complete()} holds.
 */
public final class InputCapture implements LayerInputs {
    private final Set<String> wanted;
    private final Set<String> seen = new HashSet<>();
    private final BiConsumer<List<String>, NDArray> sink;

    public InputCapture(Set<String> wanted, BiConsumer<List<String>, NDArray> sink) {
        this.wanted = Set.copyOf(wanted);
        this.sink = sink;
    }

    /** {@code x} ([..., in features]) is the input of each of {@code layers} (block paths or GGUF names). */
    @Override
    public NDArray[] offer(NDArray x, String... layers) {
        List<String> names = new ArrayList<>(layers.length);
        for (String l : layers) if (wanted.contains(l) && seen.add(l)) names.add(l);
        if (!names.isEmpty()) sink.accept(names, x);
        NDArray[] same = new NDArray[layers.length];
        java.util.Arrays.fill(same, x);
        return same;
    }

    /** Whether every wanted layer's input has been offered (the rest of the pass can be skipped). */
    @Override
    public boolean complete() {
        return seen.size() == wanted.size();
    }

    /** Wanted layers not offered (yet). */
    public Set<String> missing() {
        Set<String> m = new java.util.TreeSet<>(wanted);
        m.removeAll(seen);
        return m;
    }
}
