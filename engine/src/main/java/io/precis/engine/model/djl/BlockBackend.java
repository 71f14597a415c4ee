package io.precis.engine.model.djl;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import io.precis.engine.model.ModelTask;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block built in Java (freshly initialized, trained here, or filled from a {@code .params} file),
 * with layer names from its block path: {@code blocks.0.attn.qkv}, {@code fc1}, {@code head}.
 */
public final class BlockBackend extends DjlBackend {

    public BlockBackend(String where, ai.djl.Model model, ModelTask task, int[] imageShape) {
        super(where, model, task, imageShape);
        Map<String, Parameter> named = new LinkedHashMap<>();
        collect(model.getBlock(), "", named);
        index(named);
    }

    /** Dotted block paths: DJL keys children "01conv1"; the number is dropped, SequentialBlock children get 0, 1, ... */
    public static void collect(Block b, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : b.getDirectParameters()) out.put(prefix + p.getKey(), p.getValue());
        int i = 0;
        for (Pair<String, Block> c : b.getChildren()) {
            String name = b instanceof SequentialBlock ? Integer.toString(i) : c.getKey().replaceFirst("^\\d+", "");
            collect(c.getValue(), prefix + name + ".", out);
            i++;
        }
    }
}
