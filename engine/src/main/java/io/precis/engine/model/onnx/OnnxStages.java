package io.precis.engine.model.onnx;

import ai.onnx.proto.OnnxMl;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.TensorRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cuts an ONNX graph into stages so that an analysis that changes only layers from stage k on can run the
 * graph from there. A cut is a position in the (topologically sorted) node list just before the first node
 * that reads some layer's weights; what crosses it is every tensor made before it (or a graph input) and read
 * at or after it. Only cuts that carry few tensors are kept (at most one more than the leanest cut: block
 * boundaries of a transformer carry the hidden state and the attention mask), so the saved inputs stay small;
 * only weight matrices start cuts. A layer's stage starts at the last kept cut at or before its first use.
 * ONNX Runtime optimises each stage's graph on its own; on MiniLM the outputs equal a full pass bit for bit
 * (tested), but a graph whose fusions span a cut could differ from it by float rounding.
 */
final class OnnxStages {
    static final int MAX_STAGES = 64;

    private final List<Integer> cuts = new ArrayList<>();
    private final Map<String, Integer> stageOfLayer = new HashMap<>();
    private final List<List<String>> carried = new ArrayList<>();
    private final List<Set<String>> inputsRead = new ArrayList<>();

    private OnnxStages() {}

    int stages() {
        return cuts.size() + 1;
    }

    int stageOf(String layer) {
        return stageOfLayer.getOrDefault(layer, 0);
    }

    /** Tensors stage k (k &ge; 1) takes from the stages before it, graph inputs excluded. */
    List<String> carried(int stage) {
        return carried.get(stage - 1);
    }

    /** Every tensor some stage takes from before it: the extra outputs of the collecting run. */
    Set<String> allCarried() {
        Set<String> s = new LinkedHashSet<>();
        carried.forEach(s::addAll);
        return s;
    }

    static OnnxStages analyse(OnnxMl.GraphProto g, List<LayerRef> layers) {
        OnnxStages st = new OnnxStages();
        List<OnnxMl.NodeProto> nodes = g.getNodeList();
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        Set<String> inputs = new HashSet<>();
        g.getInputList().forEach(v -> inputs.add(v.getName()));
        Map<String, Integer> produced = new HashMap<>();
        Map<String, Integer> lastUse = new HashMap<>();
        Map<String, Integer> firstUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            OnnxMl.NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (in.isEmpty()) continue;
                // a graph that is not topologically sorted (or has subgraphs reading outer names) is run whole
                if (!produced.containsKey(in) && !inits.contains(in) && !inputs.contains(in)) return st;
                lastUse.put(in, i);
                firstUse.putIfAbsent(in, i);
            }
            if (n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) return st;
            for (String out : n.getOutputList()) produced.put(out, i);
        }
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) lastUse.put(o.getName(), nodes.size());

        Map<String, Integer> layerStart = new HashMap<>();
        TreeSet<Integer> candidates = new TreeSet<>();
        for (LayerRef l : layers) {
            int first = Integer.MAX_VALUE;
            for (TensorRef t : l.tensors()) first = Math.min(first, firstUse.getOrDefault(t.name(), Integer.MAX_VALUE));
            if (first == Integer.MAX_VALUE) continue;
            layerStart.put(l.name(), first);
            // cuts come before weight matrices (linear, conv, embedding, head); norms and biases go with them
            boolean matrix = l.weights().stream().anyMatch(t -> t.shape().length >= 2);
            if (first > 0 && matrix) candidates.add(first);
        }
        // a cut must come before every graph output is made (the stage's graph makes its outputs itself)
        int latestCut = Integer.MAX_VALUE;
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            Integer made = produced.get(o.getName());
            if (made == null) return st;
            latestCut = Math.min(latestCut, made);
        }
        Map<Integer, List<String>> crossing = new HashMap<>();
        int least = Integer.MAX_VALUE;
        for (int p : candidates) {
            if (p > latestCut) continue;
            List<String> c = new ArrayList<>();
            for (Map.Entry<String, Integer> e : lastUse.entrySet()) {
                String t = e.getKey();
                Integer made = produced.get(t);
                if (made != null && made < p && e.getValue() >= p) c.add(t);
            }
            if (c.isEmpty()) continue;
            java.util.Collections.sort(c);
            crossing.put(p, c);
            least = Math.min(least, c.size());
        }
        for (int p : candidates) {
            List<String> c = crossing.get(p);
            if (c == null || c.size() > least + 1 || st.cuts.size() >= MAX_STAGES - 1) continue;
            st.cuts.add(p);
            st.carried.add(c);
            Set<String> read = new LinkedHashSet<>();
            for (int i = p; i < nodes.size(); i++)
                for (String in : nodes.get(i).getInputList()) if (inputs.contains(in)) read.add(in);
            st.inputsRead.add(read);
        }
        layerStart.forEach((layer, first) -> {
            int stage = 0;
            for (int k = 0; k < st.cuts.size(); k++) if (st.cuts.get(k) <= first) stage = k + 1;
            st.stageOfLayer.put(layer, stage);
        });
        return st;
    }

    /** The model with every carried tensor added as an output (types left to ONNX Runtime's inference). */
    byte[] collectingModel(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
        for (String t : allCarried())
            if (outputs.add(t)) g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(t));
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    /**
     * The graph from stage {@code stage} on: its nodes, the initializers they read, the graph inputs they read,
     * and the carried tensors as inputs of the given element types (ONNX TensorProto data types).
     */
    byte[] suffixModel(OnnxMl.ModelProto model, int stage, Map<String, Integer> elementTypes) {
        OnnxMl.GraphProto g = model.getGraph();
        int from = cuts.get(stage - 1);
        OnnxMl.GraphProto.Builder b = OnnxMl.GraphProto.newBuilder().setName(g.getName() + "_from_stage_" + stage);
        Set<String> read = new HashSet<>();
        for (int i = from; i < g.getNodeCount(); i++) {
            b.addNode(g.getNode(i));
            read.addAll(g.getNode(i).getInputList());
        }
        for (OnnxMl.ValueInfoProto in : g.getInputList()) if (inputsRead.get(stage - 1).contains(in.getName())) b.addInput(in);
        for (String t : carried(stage)) {
            Integer type = elementTypes.get(t);
            if (type == null) throw new IllegalStateException("no element type for carried tensor " + t);
            b.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(t).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type))));
        }
        for (OnnxMl.TensorProto init : g.getInitializerList()) if (read.contains(init.getName())) b.addInitializer(init);
        b.addAllOutput(g.getOutputList());
        return model.toBuilder().setGraph(b).build().toByteArray();
    }

    /** Graph inputs stage k reads. */
    Set<String> inputsRead(int stage) {
        return inputsRead.get(stage - 1);
    }
}
