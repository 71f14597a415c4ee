package io.precis.engine.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * A block whose forward pass is a chain of stages, each reading only the previous stage's output, so that a
 * pass can start at any stage from a saved input. Stage 0 reads the model input.
 */
public interface StagedBlock {

    int stages();

    /** The first stage that reads the parameters of the layer with this block path (e.g. {@code blocks.1.attn.qkv}). */
    int stageOf(String layerName);

    /**
     * Runs stages {@code from..stages()-1} on {@code x} (the model input for stage 0, else that stage's input),
     * adding the input of every later stage to {@code collect} when it is not null.
     */
    default NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect) {
        return runStages(ps, x, from, collect, null);
    }

    /**
     * As above, offering each linear layer's input to {@code inputs} (when not null) just before its weight
     * multiplies it, and multiplying what it hands back (the block's own code calls it beside each multiplication,
     * as a forward hook would); returns null as soon as {@code inputs} is {@link LayerInputs#complete()}.
     */
    NDArray runStages(ParameterStore ps, NDArray x, int from, List<NDArray> collect, LayerInputs inputs);

    /**
     * Runs the forward pass on the model input {@code x}, offering each linear layer's input to {@code capture}
     * as it is computed, and stops after the stage where the last wanted layer was offered.
     */
    default void capture(ParameterStore ps, NDArray x, LayerInputs capture) {
        runStages(ps, x, 0, null, capture);
    }
}
