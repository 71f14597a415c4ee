package io.precis.engine.model.djl;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link StagedBlock}'s forward code does with each linear layer's input just before the multiplication: a
 * calibration pass looks at it ({@link InputCapture}), a pass with activation rules replaces it by its fake-quantized
 * copy ({@link ActivationHook}), standing in for the forward hooks DJL blocks lack.
 */
public interface LayerInputs {

    /**
     * {@code x} ([..., in features]) is the input of each of {@code layers} (block paths or GGUF names; layers that
     * read one tensor are offered together); returns, per layer in that order, the tensor it multiplies instead.
     */
    NDArray[] offer(NDArray x, String... layers);

    /** Whether the pass may stop here (a capture that has everything it wants). */
    default boolean complete() {
        return false;
    }

    /** {@code first}'s replacements, then offered to {@code then} (a capture sees what the layers multiply). */
    static LayerInputs chain(LayerInputs first, LayerInputs then) {
        if (first == null) return then;
        return new LayerInputs() {
            @Override
            public NDArray[] offer(NDArray x, String... layers) {
                NDArray[] xs = first.offer(x, layers);
                NDArray[] out = new NDArray[xs.length];
                // offered once per distinct replacement, with the layers reading it
                for (int i = 0; i < xs.length; i++) {
                    if (out[i] != null) continue;
                    java.util.List<String> group = new java.util.ArrayList<>();
                    for (int j = i; j < xs.length; j++) if (xs[j] == xs[i]) group.add(layers[j]);
                    NDArray[] r = then.offer(xs[i], group.toArray(String[]::new));
                    for (int j = i, k = 0; j < xs.length; j++) if (xs[j] == xs[i]) out[j] = r[k++];
                }
                return out;
            }

            @Override
            public boolean complete() {
                return then.complete();
            }
        };
    }
}
