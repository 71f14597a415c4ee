package io.precis.engine.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.precis.engine.model.Activation;
import io.precis.engine.model.Devices;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.ModelBackend;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.TensorRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime back-end. The model's bytes stay in memory and the file is never read again. Weights live in
 * direct buffers we own. By default ({@link LoadOptions.OnnxSwap#LIVE}) the session computes straight from those
 * buffers (given with addInitializer, pre-packing off, so ONNX Runtime keeps no private copy) and a swap needs
 * no rebuild; the other two strategies build a new session per weight set and switch back to the original one
 * on restore.
 */
public final class OnnxBackend implements ModelBackend {
    private static final Set<String> KNOWN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft", "ai.onnx.preview.training");

    private final String where;
    private final byte[] modelBytes;
    private final OnnxMl.ModelProto proto;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final LoadOptions options;
    private final boolean gpu;
    private final String device;
    private final List<LayerRef> layers;
    private final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
    private final Map<String, ByteBuffer> live = new HashMap<>();
    private final OrtSession base;
    private final ModelTask task;
    private final Map<String, NodeInfo> inputInfo;
    private Set<TensorRef> modified = Set.of();
    private boolean dirty;
    private OrtSession swappedSession;
    private final List<AutoCloseable> swappedResources = new ArrayList<>();
    private int rebuilds;
    /** Graph cuts for resuming a forward pass (live buffers only; one stage otherwise). */
    private final OnnxStages stages;
    private OrtSession collecting;
    private final Map<Integer, OrtSession> fromStage = new HashMap<>();

    /** Parses and checks the bytes before any of them reach native code. */
    public OnnxBackend(byte[] modelBytes, String where, LoadOptions options) {
        this.where = where;
        this.modelBytes = modelBytes;
        this.options = options;
        this.proto = parse(modelBytes, where);
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL)
                throw new ModelException(where, "initializer '" + t.getName() + "' is stored in an external data file; "
                        + "only self-contained .onnx files are supported");
            initializers.put(t.getName(), t);
        }
        this.layers = OnnxLayers.build(proto.getGraph());
        boolean wantGpu = options.device().equals("gpu");
        boolean cuda = wantGpu && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (wantGpu && !cuda) Devices.fallback("OnnxRuntime", "the onnxruntime artefact on the classpath is CPU-only");
        this.gpu = cuda;
        this.device = cuda ? "gpu(0)" : "cpu";
        this.base = options.onnxSwap() == LoadOptions.OnnxSwap.LIVE ? liveSession() : session(modelBytes, List.of());
        this.stages = options.onnxSwap() == LoadOptions.OnnxSwap.LIVE ? OnnxStages.analyse(proto.getGraph(), layers) : null;
        try {
            this.inputInfo = base.getInputInfo();
            this.task = options.task() != null ? options.task() : inferTask(base);
        } catch (OrtException e) {
            throw new ModelException(where, "cannot read the model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    static OnnxMl.ModelProto parse(byte[] bytes, String where) {
        if (bytes.length == 0) throw new ModelException(where, "file is empty");
        OnnxMl.ModelProto p;
        try {
            p = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(where, "not a valid ONNX model (truncated or corrupt protobuf: " + e.getMessage() + ")", e);
        }
        if (!p.hasGraph() || p.getGraph().getNodeCount() == 0 || p.getOpsetImportCount() == 0 || p.getIrVersion() <= 0)
            throw new ModelException(where, "not an ONNX model (no graph, nodes or opset in the protobuf)");
        for (OnnxMl.NodeProto n : p.getGraph().getNodeList())
            if (!KNOWN_DOMAINS.contains(n.getDomain()))
                throw new ModelException(where, "unsupported operator '" + n.getDomain() + "::" + n.getOpType() + "' (node '"
                        + n.getName() + "'): custom operator domains are not available in ONNX Runtime here");
        return p;
    }

    private final List<AutoCloseable> liveResources = new ArrayList<>();

    /** A session reading every float32 layer tensor from our buffers. */
    private OrtSession liveSession() {
        return liveSession(modelBytes, null);
    }

    /** A live session over other model bytes (a graph cut), reading those of our tensors its graph holds. */
    private OrtSession liveSession(byte[] bytes, Set<String> initializers) {
        List<TensorRef> all = new ArrayList<>();
        for (LayerRef l : layers)
            for (TensorRef t : l.tensors())
                if (t.dtype().equals("float32") && (initializers == null || initializers.contains(t.name()))) all.add(t);
        OrtSession s = session(bytes, all);
        liveResources.addAll(swappedResources);
        swappedResources.clear();
        return s;
    }

    private OrtSession session(byte[] bytes, List<TensorRef> overrides) {
        try {
            OrtSession.SessionOptions so = new OrtSession.SessionOptions();
            // pre-packing copies weights into private layouts; live sessions must read ours
            if (options.onnxSwap() == LoadOptions.OnnxSwap.LIVE) so.addConfigEntry("session.disable_prepacking", "1");
            so.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (gpu) so.addCUDA(0);
            List<AutoCloseable> res = new ArrayList<>();
            for (TensorRef t : overrides) {
                ByteBuffer buf = weights(t);
                OnnxTensor ot = OnnxTensor.createTensor(env, buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear(), t.shape(), OnnxJavaType.FLOAT);
                so.addInitializer(t.name(), ot);
                res.add(ot);
            }
            OrtSession s = env.createSession(bytes, so);
            res.add(so);
            if (!overrides.isEmpty() || bytes != modelBytes) swappedResources.addAll(res);
            else res.forEach(OnnxBackend::closeQuietly);
            return s;
        } catch (OrtException e) {
            throw new ModelException(where, explain(e), e);
        }
    }

    private String explain(OrtException e) {
        String msg = String.valueOf(e.getMessage());
        for (OnnxMl.NodeProto n : proto.getGraph().getNodeList()) {
            if (msg.contains("implementation for " + n.getOpType()) || msg.contains(n.getOpType() + " is not a registered")
                    || msg.contains("No Op registered for " + n.getOpType() + " ")
                    || msg.contains("Op type not registered") && msg.contains(n.getOpType()))
                return "unsupported operator '" + n.getOpType() + "' (node '" + n.getName() + "'): " + firstLine(msg);
        }
        return "ONNX Runtime cannot load it: " + firstLine(msg);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private ModelTask inferTask(OrtSession s) throws OrtException {
        boolean text = inputInfo.containsKey("input_ids");
        NodeInfo out = s.getOutputInfo().values().iterator().next();
        int rank = out.getInfo() instanceof TensorInfo ti ? ti.getShape().length : 0;
        String outName = out.getName().toLowerCase(java.util.Locale.ROOT);
        if (text && (outName.contains("hidden") || outName.contains("embedding"))) return ModelTask.EMBEDDING;
        if (text && rank == 3) return ModelTask.LANGUAGE_MODEL;
        if (rank == 2) return ModelTask.CLASSIFIER;
        throw new ModelException(where, "cannot tell what the model's output '" + out.getName() + "' means; "
                + "load it with a task (embedding, classifier, language-model)");
    }

    @Override
    public String engine() { return "OnnxRuntime " + env.getVersion(); }

    @Override
    public String device() { return device; }

    @Override
    public ModelTask task() { return task; }

    /** The graph as loaded (its initializers hold the original weights; swaps never change it). */
    public OnnxMl.ModelProto graphProto() { return proto; }

    @Override
    public List<LayerRef> layers() { return layers; }

    /** How many times a session was rebuilt for swapped weights (for tests and benchmarks). */
    public int rebuilds() { return rebuilds; }

    @Override
    public synchronized ByteBuffer weights(TensorRef t) {
        return live.computeIfAbsent(t.name(), n -> {
            OnnxMl.TensorProto p = initializers.get(n);
            if (p == null || p.getDataType() != 1) throw new ModelException(n, "not a float32 initializer of " + where);
            int count = (int) t.params();
            ByteBuffer b = ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (!p.getRawData().isEmpty()) {
                if (p.getRawData().size() != count * Float.BYTES)
                    throw new ModelException(where, "initializer '" + n + "' holds " + p.getRawData().size() + " bytes for shape "
                            + java.util.Arrays.toString(t.shape()));
                p.getRawData().copyTo(b);
            } else {
                FloatBuffer fb = b.asFloatBuffer();
                for (float f : p.getFloatDataList()) fb.put(f);
            }
            return b.clear();
        });
    }

    @Override
    public synchronized void weightsChanged(Set<TensorRef> now) {
        this.modified = new LinkedHashSet<>(now);
        this.dirty = options.onnxSwap() != LoadOptions.OnnxSwap.LIVE;
    }

    private OrtSession current() {
        if (!dirty) return swappedSession != null ? swappedSession : base;
        dirty = false;
        closeSwapped();
        if (modified.isEmpty()) return base;
        rebuilds++;
        if (options.onnxSwap() == LoadOptions.OnnxSwap.ADD_INITIALIZER) {
            swappedSession = session(modelBytes, List.copyOf(modified));
        } else {
            swappedSession = session(rewritten(), List.of());
        }
        return swappedSession;
    }

    private byte[] rewritten() {
        OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
        Set<String> names = new java.util.HashSet<>();
        modified.forEach(t -> names.add(t.name()));
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            if (names.contains(t.getName()))
                g.setInitializer(i, t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(live.get(t.getName()).duplicate().clear())));
        }
        return proto.toBuilder().setGraph(g).build().toByteArray();
    }

    private void closeSwapped() {
        if (swappedSession != null) closeQuietly(swappedSession);
        swappedSession = null;
        swappedResources.forEach(OnnxBackend::closeQuietly);
        swappedResources.clear();
    }

    @Override
    public synchronized ModelOutput forward(ModelInput input) {
        return run(activations != null ? activations : current(), input, null, null);
    }

    /** The graph with fake-quantized layer inputs, reading the live weights; null when activations are not quantized. */
    private OrtSession activations;

    @Override
    public synchronized java.util.Set<LayerRef> quantizeActivations(Map<LayerRef, io.precis.engine.algo.ActivationQuant> quant, Map<LayerRef, float[]> smooth) {
        if (activations != null) closeQuietly(activations);
        activations = null;
        if (quant.isEmpty()) return java.util.Set.of();
        if (options.onnxSwap() != LoadOptions.OnnxSwap.LIVE)
            throw new UnsupportedOperationException(where + ": quantizing activations needs the default live weight buffers (swap live)");
        Map<String, io.precis.engine.algo.ActivationQuant> byWeight = new java.util.LinkedHashMap<>();
        Map<String, float[]> smoothByWeight = new HashMap<>();
        for (Map.Entry<LayerRef, io.precis.engine.algo.ActivationQuant> e : quant.entrySet()) {
            LayerRef l = e.getKey();
            if (l.weights().size() != 1 || l.weight().shape().length != 2)
                throw new IllegalArgumentException(l.name() + " is not a linear layer with one weight matrix; only their inputs are quantized");
            byWeight.put(l.weight().name(), e.getValue());
            float[] s = smooth.get(l);
            if (s != null) smoothByWeight.put(l.weight().name(), s);
        }
        OnnxActivations.Rewritten r = OnnxActivations.rewrite(proto, byWeight, smoothByWeight, true);
        activations = liveSession(r.model(), null);
        java.util.Set<LayerRef> folded = new java.util.LinkedHashSet<>();
        for (LayerRef l : quant.keySet()) if (r.folded().contains(l.weight().name())) folded.add(l);
        return folded;
    }

    @Override
    public int stages() {
        // resumed stages run the graph without the fake-quantized inputs
        return stages == null || activations != null ? 1 : stages.stages();
    }

    @Override
    public int stageOf(LayerRef layer) {
        return stages == null ? 0 : stages.stageOf(layer.name());
    }

    @Override
    public synchronized ModelOutput forwardStages(ModelInput input, int from, Activation resume, List<Activation> collect) {
        if (from == 0 && collect == null) return forward(input);
        if (stages == null || stages.stages() == 1) throw new UnsupportedOperationException(where + " runs its forward pass as one stage");
        if (from == 0) {
            if (collecting == null) collecting = liveSession(stages.collectingModel(proto), null);
            return run(collecting, input, null, collect);
        }
        OrtSession s = fromStage.get(from);
        if (s == null) {
            Map<String, Integer> types = new HashMap<>();
            for (Activation.Part p : resume.parts()) types.put(p.name(), elementType(p.values()));
            byte[] bytes = stages.suffixModel(proto, from, types);
            Set<String> inits = new java.util.HashSet<>();
            try {
                OnnxMl.ModelProto.parseFrom(bytes).getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            s = liveSession(bytes, inits);
            fromStage.put(from, s);
        }
        return run(s, input, resume, null);
    }

    private static int elementType(Object values) {
        return switch (values) {
            case float[] f -> 1;
            case long[] l -> 7;
            case int[] i -> 6;
            case double[] d -> 11;
            case boolean[] b -> 9;
            default -> throw new IllegalArgumentException("unsupported activation type " + values.getClass().getSimpleName());
        };
    }

    /**
     * Runs a session: the model input (those graph inputs the session takes), the carried tensors of
     * {@code resume}, and, when {@code collect} is not null, every carried tensor of every stage read back.
     */
    private ModelOutput run(OrtSession s, ModelInput input, Activation resume, List<Activation> collect) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed(s, input, feed);
            if (resume != null)
                for (Activation.Part p : resume.parts()) feed.put(p.name(), tensor(p));
            try (OrtSession.Result r = s.run(feed)) {
                OnnxTensor out = (OnnxTensor) r.get(0);
                if (collect != null)
                    for (int k = 1; k < stages.stages(); k++) {
                        List<Activation.Part> parts = new ArrayList<>();
                        for (String t : stages.carried(k)) parts.add(part(t, (OnnxTensor) r.get(t).orElseThrow()));
                        collect.add(new Activation(parts));
                    }
                long[] shape = out.getInfo().getShape();
                FloatBuffer fb = out.getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                if (task == ModelTask.EMBEDDING && shape.length == 3 && input instanceof ModelInput.Tokens tok)
                    return meanPool(v, shape, tok.mask());
                return new ModelOutput(v, shape);
            }
        } catch (OrtException e) {
            throw new ModelException(where, "inference failed: " + firstLine(String.valueOf(e.getMessage())), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** The graph inputs {@code s} takes, made from the model input. */
    private void feed(OrtSession s, ModelInput input, Map<String, OnnxTensor> feed) throws OrtException {
        Set<String> takes = s.getInputNames();
        switch (input) {
            case ModelInput.Tokens tok -> {
                if (!inputInfo.containsKey("input_ids"))
                    throw new ModelException(where, "takes " + inputDescription() + ", not token ids");
                long[] shape = {tok.size(), tok.length()};
                if (takes.contains("input_ids"))
                    feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(flat(tok.ids())), shape));
                if (takes.contains("attention_mask"))
                    feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(flat(tok.mask())), shape));
                if (takes.contains("token_type_ids"))
                    feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[tok.size() * tok.length()]), shape));
            }
            case ModelInput.Images img -> {
                Map.Entry<String, NodeInfo> in = inputInfo.entrySet().iterator().next();
                long[] declared = ((TensorInfo) in.getValue().getInfo()).getShape();
                long[] shape = declared.length == 4 ? new long[] {img.n(), img.channels(), img.height(), img.width()}
                        : new long[] {img.n(), (long) img.channels() * img.height() * img.width()};
                if (takes.contains(in.getKey())) feed.put(in.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(img.pixels()), shape));
            }
        }
    }

    /** A live session whose outputs are the graph's and the inputs of its MatMul/Gemm weights (built once). */
    private OrtSession capturing;
    private Map<String, String> matmulInputs;

    @Override
    public synchronized Map<String, float[]> layerInputs(ModelInput input, List<LayerRef> wanted) {
        if (options.onnxSwap() != LoadOptions.OnnxSwap.LIVE)
            throw new UnsupportedOperationException(where + ": capturing layer inputs needs the default live weight buffers (swap live)");
        if (matmulInputs == null) matmulInputs = OnnxLayers.matmulInputs(proto.getGraph());
        Map<String, String> inputOf = new java.util.LinkedHashMap<>();
        for (LayerRef l : wanted) {
            String t = null;
            for (TensorRef w : l.weights()) if (matmulInputs.containsKey(w.name())) t = matmulInputs.get(w.name());
            if (t == null) throw new ModelException(where, "layer " + l.name() + " is not a MatMul/Gemm on a weight, so it has no input rows to calibrate on");
            inputOf.put(l.name(), t);
        }
        if (capturing == null) {
            OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
            Set<String> outputs = new java.util.HashSet<>();
            g.getOutputList().forEach(o -> outputs.add(o.getName()));
            for (String t : new LinkedHashSet<>(matmulInputs.values()))
                if (outputs.add(t)) g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(t));
            capturing = liveSession(proto.toBuilder().setGraph(g).build().toByteArray(), null);
        }
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed(capturing, input, feed);
            try (OrtSession.Result r = capturing.run(feed, new LinkedHashSet<>(inputOf.values()))) {
                Map<String, float[]> byTensor = new HashMap<>();
                Map<String, float[]> out = new java.util.LinkedHashMap<>();
                for (LayerRef l : wanted) {
                    String t = inputOf.get(l.name());
                    float[] rows = byTensor.get(t);
                    if (rows == null) {
                        OnnxTensor x = (OnnxTensor) r.get(t).orElseThrow();
                        rows = realRows(x, input, l);
                        byTensor.put(t, rows);
                    }
                    out.put(l.name(), rows);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new ModelException(where, "inference failed: " + firstLine(String.valueOf(e.getMessage())), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** The tensor's rows ([..., d] flattened to rows of d), without the rows of padding tokens. */
    private float[] realRows(OnnxTensor x, ModelInput input, LayerRef layer) {
        long[] shape = x.getInfo().getShape();
        TensorRef w = layer.weight();
        long d = w.shape()[w.reductionAxis()];
        if (x.getInfo().type != OnnxJavaType.FLOAT || shape.length == 0 || shape[shape.length - 1] != d)
            throw new ModelException(where, "the input of " + layer.name() + " is " + x.getInfo() + ", not float rows of " + d);
        FloatBuffer fb = x.getFloatBuffer();
        float[] all = new float[fb.remaining()];
        fb.get(all);
        if (!(input instanceof ModelInput.Tokens tok) || shape.length < 3 || shape[0] * shape[1] * d != all.length) return all;
        int n = 0;
        for (long[] m : tok.mask()) for (long v : m) n += v != 0 ? 1 : 0;
        float[] real = new float[Math.toIntExact(n * d)];
        int k = 0, row = 0;
        for (long[] m : tok.mask())
            for (long v : m) {
                if (v != 0) System.arraycopy(all, Math.toIntExact(row * d), real, Math.toIntExact(k++ * d), (int) d);
                row++;
            }
        return real;
    }

    private OnnxTensor tensor(Activation.Part p) throws OrtException {
        long[] shape = p.shape();
        return switch (p.values()) {
            case float[] f -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
            case long[] l -> OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
            case int[] i -> OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(i), shape);
            case double[] d -> OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(d), shape);
            case boolean[] b -> {
                ByteBuffer bb = ByteBuffer.allocateDirect(b.length);
                for (boolean x : b) bb.put((byte) (x ? 1 : 0));
                yield OnnxTensor.createTensor(env, bb.flip(), shape, OnnxJavaType.BOOL);
            }
            default -> throw new IllegalArgumentException("unsupported activation type for " + p.name());
        };
    }

    private static Activation.Part part(String name, OnnxTensor t) {
        long[] shape = t.getInfo().getShape();
        Object values = switch (t.getInfo().type) {
            case FLOAT -> { FloatBuffer b = t.getFloatBuffer(); float[] a = new float[b.remaining()]; b.get(a); yield a; }
            case INT64 -> { LongBuffer b = t.getLongBuffer(); long[] a = new long[b.remaining()]; b.get(a); yield a; }
            case INT32 -> { java.nio.IntBuffer b = t.getIntBuffer(); int[] a = new int[b.remaining()]; b.get(a); yield a; }
            case DOUBLE -> { java.nio.DoubleBuffer b = t.getDoubleBuffer(); double[] a = new double[b.remaining()]; b.get(a); yield a; }
            case BOOL -> { ByteBuffer b = t.getByteBuffer(); boolean[] a = new boolean[b.remaining()]; for (int i = 0; i < a.length; i++) a[i] = b.get() != 0; yield a; }
            default -> throw new ModelException(name, "cannot carry a tensor of type " + t.getInfo().type + " between stages");
        };
        return new Activation.Part(name, values, shape);
    }

    /** Mean over the real (unmasked) tokens, as sentence-transformers pools MiniLM. */
    static ModelOutput meanPool(float[] v, long[] shape, long[][] mask) {
        int b = (int) shape[0], t = (int) shape[1], h = (int) shape[2];
        float[] out = new float[b * h];
        for (int i = 0; i < b; i++) {
            int count = 0;
            for (int j = 0; j < t; j++) {
                if (mask[i][j] == 0) continue;
                count++;
                int base = (i * t + j) * h;
                for (int k = 0; k < h; k++) out[i * h + k] += v[base + k];
            }
            for (int k = 0; k < h; k++) out[i * h + k] /= Math.max(1, count);
        }
        return new ModelOutput(out, new long[] {b, h});
    }

    private static long[] flat(long[][] a) {
        int w = a.length == 0 ? 0 : a[0].length;
        long[] f = new long[a.length * w];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, f, i * w, w);
        return f;
    }

    @Override
    public String inputDescription() {
        if (inputInfo.containsKey("input_ids")) return "text (token ids)";
        NodeInfo in = inputInfo.values().iterator().next();
        return "tensor " + in.getName() + " " + in.getInfo();
    }

    @Override
    public int[] imageShape() {
        if (inputInfo.containsKey("input_ids")) return null;
        long[] s = ((TensorInfo) inputInfo.values().iterator().next().getInfo()).getShape();
        if (s.length == 4) return new int[] {(int) s[1], (int) s[2], (int) s[3]};
        return null;
    }

    @Override
    public synchronized void close() {
        closeSwapped();
        if (activations != null) closeQuietly(activations);
        if (collecting != null) closeQuietly(collecting);
        if (capturing != null) closeQuietly(capturing);
        fromStage.values().forEach(OnnxBackend::closeQuietly);
        closeQuietly(base);
        liveResources.forEach(OnnxBackend::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing native handles at shutdown; nothing useful to report
        }
    }
}
