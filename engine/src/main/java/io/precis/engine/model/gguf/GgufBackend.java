package io.precis.engine.model.gguf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.precis.engine.model.LayerKind;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.djl.DjlBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF language model run by {@link LlamaBlock} on DJL's PyTorch engine. Every tensor is dequantized once at
 * load (exactly as llama.cpp dequantizes it) into a float32 PyTorch tensor, so swaps work in place, zero-copy, as
 * for the other DJL models. Layers carry the file's names ({@code token_embd}, {@code blk.3.attn_q},
 * {@code blk.3.ffn_down}, {@code output_norm}, {@code output}) and kinds: attention and MLP projections are linear,
 * the token table an embedding, norms norm, the output matrix the head. Tensors outside the Llama family's set
 * are not loaded.
 */
public final class GgufBackend extends DjlBackend {
    private static final String[] BLOCK_TENSORS = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"};

    private final List<LayerRef> layers;
    private final GgufTokenizer tokenizer;
    private final LlamaConfig config;
    private final GgufFile file;

    private GgufBackend(String where, ai.djl.Model model, Map<String, Parameter> named, List<LayerRef> layers, GgufTokenizer tokenizer,
                        LlamaConfig config, GgufFile file) {
        super(where, model, ModelTask.LANGUAGE_MODEL, null);
        index(named);
        this.layers = List.copyOf(layers);
        this.tokenizer = tokenizer;
        this.config = config;
        this.file = file;
    }

    /** Reads a GGUF file: metadata, tokenizer and weights; any problem is a {@link ModelException} naming the file. */
    public static GgufBackend load(Path path, LoadOptions options) {
        String where = path.toString();
        GgufFile file = GgufFile.open(path);
        LlamaConfig c = LlamaConfig.of(file);
        Map<String, long[]> want = expectedShapes(file, c);
        GgufTokenizer tok = GgufTokenizer.of(file);
        String name = path.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        Device device = DjlBackend.device(options.device());
        ai.djl.Model model = ai.djl.Model.newInstance(name, device, ENGINE);
        try {
            NDManager m = model.getNDManager();
            Map<String, Parameter> named = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : want.entrySet()) {
                GgufTensor t = file.tensors().get(e.getKey());
                if (t == null) continue; // optional: output.weight when tied, q/k/v biases
                float[] v = file.floats(t);
                NDArray a = m.create(v, new Shape(t.shape()));
                Parameter p = Parameter.builder().setName(t.name())
                        .setType(t.name().endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT).build();
                p.setArray(a);
                named.put(t.name(), p);
            }
            float[] ropeFactors = null;
            GgufTensor rf = file.tensors().get("rope_freqs.weight");
            if (rf != null) {
                if (rf.elements() != c.headDim() / 2)
                    throw new ModelException(where, "rope_freqs.weight has " + rf.elements() + " factors; heads of " + c.headDim() + " need " + c.headDim() / 2);
                ropeFactors = file.floats(rf);
            }
            model.setBlock(new LlamaBlock(c, named, ropeFactors));
            return new GgufBackend(where, model, named, layers(named), tok, c, file);
        } catch (ModelException e) {
            model.close();
            tok.close();
            throw e;
        } catch (RuntimeException | OutOfMemoryError e) {
            model.close();
            tok.close();
            throw new ModelException(where, "cannot load the weights: " + e, e);
        }
    }

    /** Every tensor the network reads with its PyTorch shape, in network order; checks the file has them so. */
    private static Map<String, long[]> expectedShapes(GgufFile f, LlamaConfig c) {
        String where = f.path().toString();
        GgufTensor emb = f.tensor("token_embd.weight");
        long vocab = emb.shape()[0];
        long w = c.width(), kv = (long) c.kvHeads() * c.headDim();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("token_embd.weight", new long[] {vocab, w});
        for (int i = 0; i < c.blocks(); i++) {
            String b = "blk." + i + ".";
            s.put(b + "attn_norm.weight", new long[] {w});
            s.put(b + "attn_q.weight", new long[] {w, w});
            s.put(b + "attn_q.bias", new long[] {w});
            s.put(b + "attn_k.weight", new long[] {kv, w});
            s.put(b + "attn_k.bias", new long[] {kv});
            s.put(b + "attn_v.weight", new long[] {kv, w});
            s.put(b + "attn_v.bias", new long[] {kv});
            s.put(b + "attn_output.weight", new long[] {w, w});
            s.put(b + "ffn_norm.weight", new long[] {w});
            s.put(b + "ffn_gate.weight", new long[] {c.ff(), w});
            s.put(b + "ffn_up.weight", new long[] {c.ff(), w});
            s.put(b + "ffn_down.weight", new long[] {w, c.ff()});
        }
        s.put("output_norm.weight", new long[] {w});
        s.put("output.weight", new long[] {vocab, w});
        for (Map.Entry<String, long[]> e : s.entrySet()) {
            GgufTensor t = f.tensors().get(e.getKey());
            boolean optional = e.getKey().endsWith(".bias") || e.getKey().equals("output.weight");
            if (t == null) {
                if (!optional) throw new ModelException(where, "tensor '" + e.getKey() + "' is missing (a " + c.architecture() + " model of "
                        + c.blocks() + " blocks has it)");
                continue;
            }
            if (!Arrays.equals(t.shape(), e.getValue()))
                throw new ModelException(where, "tensor '" + e.getKey() + "' is " + Arrays.toString(t.shape()) + " but the metadata ("
                        + c.architecture() + ".*) makes it " + Arrays.toString(e.getValue()));
        }
        return s;
    }

    private static List<LayerRef> layers(Map<String, Parameter> named) {
        Map<String, List<TensorRef>> byLayer = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            String n = e.getKey();
            boolean bias = n.endsWith(".bias");
            String layer = n.substring(0, n.lastIndexOf('.'));
            long[] shape = e.getValue().getArray().getShape().getShape();
            byLayer.computeIfAbsent(layer, k -> new ArrayList<>())
                    .add(new TensorRef(n, bias ? TensorRef.Role.BIAS : TensorRef.Role.WEIGHT, shape, "float32", 0));
        }
        List<LayerRef> out = new ArrayList<>();
        byLayer.forEach((layer, tensors) -> {
            // a layer's weight first, then its bias
            tensors.sort((a, b) -> a.role().compareTo(b.role()));
            out.add(new LayerRef(layer, kindOf(layer), tensors));
        });
        return out;
    }

    static LayerKind kindOf(String layer) {
        if (layer.equals("token_embd")) return LayerKind.EMBEDDING;
        if (layer.equals("output")) return LayerKind.HEAD;
        if (layer.endsWith("_norm")) return LayerKind.NORM;
        for (String s : BLOCK_TENSORS) if (layer.endsWith("." + s)) return LayerKind.LINEAR;
        return LayerKind.OTHER;
    }

    @Override
    public List<LayerRef> layers() { return layers; }

    /** The tokenizer from the file's metadata. */
    public GgufTokenizer tokenizer() { return tokenizer; }

    public LlamaConfig config() { return config; }

    /** The file the weights came from (header and metadata; tensors are read again on demand). */
    public GgufFile file() { return file; }

    @Override
    public String inputDescription() {
        return "text (token ids; " + config.architecture() + ", " + config.blocks() + " blocks, width " + config.width() + ")";
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
        super.close();
    }
}
