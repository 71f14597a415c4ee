package io.precis.engine.model;

import io.precis.engine.data.Tokenizer;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A loaded network: its layer table, in-place weight swaps with exact restore, and a forward pass.
 * Get one from {@link Models}. The file it came from is never written; swapping never reloads it.
 */
public final class Model implements AutoCloseable {
    private final String name;
    private final String source;
    private final String modelHash;
    private final ModelBackend backend;
    private final Tokenizer tokenizer;
    private final List<LayerRef> layers;
    private final Map<String, LayerRef> byName = new LinkedHashMap<>();
    private final Map<String, TensorRef> tensorsByName = new LinkedHashMap<>();
    /** Original bytes of every tensor currently swapped, taken at its first swap. */
    private final Map<String, byte[]> originals = new LinkedHashMap<>();
    /** Current transform per swapped tensor, in swap order, so a full-precision detour can re-apply it. */
    private final Map<String, WeightTransform> active = new LinkedHashMap<>();
    private boolean closed;

    Model(String name, String source, String modelHash, ModelBackend backend, Tokenizer tokenizer) {
        this.name = name;
        this.source = source;
        this.modelHash = modelHash;
        this.backend = backend;
        this.tokenizer = tokenizer;
        this.layers = List.copyOf(backend.layers());
        for (LayerRef l : layers) {
            byName.put(l.name(), l);
            for (TensorRef t : l.tensors()) tensorsByName.put(t.name(), t);
        }
    }

    public String name() { return name; }

    /** Where it was loaded from: a path, or {@code maven:g:a:v!/entry}. */
    public String source() { return source; }

    /** SHA-256 of the model file's bytes as loaded (for blocks built in Java: of the initial weights). */
    public String modelHash() { return modelHash; }

    /** The engine that runs it, with version. */
    public String engine() { return backend.engine(); }

    /** The back-end if it is a {@code type} (exports read what the model was loaded from, e.g. its ONNX graph). */
    public <T extends ModelBackend> java.util.Optional<T> backend(Class<T> type) {
        return type.isInstance(backend) ? java.util.Optional.of(type.cast(backend)) : java.util.Optional.empty();
    }

    /** The device it runs on. */
    public String device() { return backend.device(); }

    public ModelTask task() { return backend.task(); }

    /** The model's tokenizer, or null for models that take images. */
    public Tokenizer tokenizer() { return tokenizer; }

    /** What the model takes, in words (used in mismatch messages). */
    public String inputDescription() { return backend.inputDescription(); }

    /** {channels, height, width} for image models, else null. */
    public int[] imageShape() { return backend.imageShape(); }

    public List<LayerRef> layers() { return layers; }

    public List<LayerRef> layers(LayerKind... kinds) {
        Set<LayerKind> set = Set.of(kinds);
        return layers.stream().filter(l -> set.contains(l.kind())).toList();
    }

    /** A layer by its exact name; the error lists the closest names. */
    public LayerRef layer(String layerName) {
        LayerRef l = byName.get(layerName);
        if (l == null) {
            List<String> close = byName.keySet().stream()
                    .sorted(Comparator.comparingInt(n -> distance(n, layerName))).limit(3).toList();
            throw new ModelException(layerName, "no such layer in " + name + "; closest: " + String.join(", ", close));
        }
        return l;
    }

    public long params() { return layers.stream().mapToLong(LayerRef::params).sum(); }

    // ---- weight swap ---------------------------------------------------------------------------------

    /** Transforms the layer's weight tensors in place (biases stay). Swapping again starts from the original. */
    public synchronized void swap(LayerRef layer, WeightTransform transform) {
        swap(List.of(layer), transform);
    }

    public synchronized void swap(Collection<LayerRef> layerList, WeightTransform transform) {
        checkOpen();
        for (LayerRef l : layerList) {
            LayerRef own = layer(l.name());
            for (TensorRef t : own.weights()) swapTensor(t, transform);
        }
        backend.weightsChanged(modified());
    }

    /** Transforms one named tensor in place (any role). */
    public synchronized void swapTensor(String tensorName, WeightTransform transform) {
        checkOpen();
        TensorRef t = tensorsByName.get(tensorName);
        if (t == null) throw new ModelException(tensorName, "no such tensor in " + name);
        swapTensor(t, transform);
        backend.weightsChanged(modified());
    }

    private void swapTensor(TensorRef t, WeightTransform transform) {
        if (!t.dtype().equals("float32"))
            throw new ModelException(t.name(), "only float32 weights can be swapped; this one is " + t.dtype());
        ByteBuffer live = backend.weights(t);
        byte[] orig = originals.get(t.name());
        if (orig == null) {
            orig = new byte[live.capacity()];
            live.duplicate().clear().get(orig);
            originals.put(t.name(), orig);
        } else {
            live.duplicate().clear().put(orig);
        }
        active.remove(t.name());
        transform.apply(new WeightView(t, live));
        active.put(t.name(), transform);
    }

    public synchronized void restore(LayerRef layer) {
        restore(List.of(layer));
    }

    /** Puts back the exact original bits of these layers' tensors. */
    public synchronized void restore(Collection<LayerRef> layerList) {
        checkOpen();
        for (LayerRef l : layerList)
            for (TensorRef t : layer(l.name()).tensors()) restoreTensor(t.name());
        backend.weightsChanged(modified());
    }

    /** Back to full precision everywhere, bit for bit. */
    public synchronized void restoreAll() {
        checkOpen();
        for (String t : new ArrayList<>(originals.keySet())) restoreTensor(t);
        backend.weightsChanged(modified());
    }

    private void restoreTensor(String tensorName) {
        byte[] orig = originals.remove(tensorName);
        active.remove(tensorName);
        if (orig != null) backend.weights(tensorsByName.get(tensorName)).duplicate().clear().put(orig);
    }

    /** Swapped tensors and the transform each carries, in swap order. */
    public synchronized Map<String, String> swapped() {
        Map<String, String> m = new LinkedHashMap<>();
        active.forEach((k, v) -> m.put(k, v.label()));
        return m;
    }

    public synchronized boolean isFullPrecision() { return originals.isEmpty(); }

    /**
     * Runs {@code work} at full precision and re-applies the current swaps afterwards (used to compute
     * reference outputs while a plan is in place).
     */
    public synchronized <T> T atFullPrecision(Supplier<T> work) {
        if (originals.isEmpty()) return work.get();
        Map<String, WeightTransform> saved = new LinkedHashMap<>(active);
        restoreAll();
        try {
            return work.get();
        } finally {
            saved.forEach((t, tr) -> swapTensor(tensorsByName.get(t), tr));
            backend.weightsChanged(modified());
        }
    }

    private Set<TensorRef> modified() {
        Set<TensorRef> s = new LinkedHashSet<>();
        for (String n : originals.keySet()) s.add(tensorsByName.get(n));
        return s;
    }

    /** SHA-256 over the current bytes of every tensor in layer order (reads the live weights). */
    public synchronized String weightsHash() {
        checkOpen();
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (TensorRef t : tensorsByName.values()) {
                md.update(t.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(backend.weights(t).duplicate().clear());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A short description of the current weights for provenance: {@code full precision} or the swaps. */
    public synchronized String weightsDescription() {
        if (active.isEmpty()) return "full precision";
        Map<String, Integer> byLabel = new TreeMap<>();
        active.values().forEach(t -> byLabel.merge(t.label(), 1, Integer::sum));
        StringBuilder sb = new StringBuilder();
        byLabel.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(v).append(" tensors ").append(k));
        return sb.toString();
    }

    // ---- running ------------------------------------------------------------------------------------

    public synchronized ModelOutput forward(ModelInput input) {
        checkOpen();
        return backend.forward(input);
    }

    /** See {@link ModelBackend#quantizeActivations}; layers are this model's. An empty map turns it off. */
    public synchronized java.util.Set<LayerRef> quantizeActivations(java.util.Map<LayerRef, io.precis.engine.algo.ActivationQuant> quant,
                                                                    java.util.Map<LayerRef, float[]> smooth) {
        checkOpen();
        java.util.Map<LayerRef, io.precis.engine.algo.ActivationQuant> q = new java.util.LinkedHashMap<>();
        java.util.Map<LayerRef, float[]> s = new java.util.LinkedHashMap<>();
        quant.forEach((l, a) -> q.put(layer(l.name()), a));
        smooth.forEach((l, v) -> s.put(layer(l.name()), v));
        java.util.Set<LayerRef> folded = backend.quantizeActivations(q, s);
        activationLayers = java.util.Set.copyOf(q.keySet());
        return folded;
    }

    private java.util.Set<LayerRef> activationLayers = java.util.Set.of();

    /** Whether {@link #forward} fake-quantizes some layer's inputs. */
    public synchronized boolean activationsQuantized() { return !activationLayers.isEmpty(); }

    /** The layers whose inputs {@link #forward} fake-quantizes now (empty when none). */
    public synchronized java.util.Set<LayerRef> activationLayers() { return activationLayers; }

    /**
     * How many stages the forward pass runs in sequence (1 when it cannot start in the middle). For the blocks
     * built in Java a stage is an embedding, one transformer block or one hidden layer; an ONNX graph (with live
     * buffers, the default) is cut before its weight matrices where few tensors cross. An analysis that changes
     * only layers of stage k can start at k from cached full-precision stage inputs.
     */
    public int stages() { return backend.stages(); }

    /** The first stage that reads this layer's weights. */
    public int stageOf(LayerRef layer) { return backend.stageOf(layer(layer.name())); }

    /**
     * A forward pass that also returns the input of every stage after the first, in order (run it at full precision
     * weights; activation rules are not applied in this pass, so the inputs are full precision).
     */
    public synchronized ModelOutput forwardCollecting(ModelInput input, List<Activation> stageInputs) {
        checkOpen();
        return backend.forwardStages(input, 0, null, stageInputs);
    }

    /**
     * A forward pass from stage {@code stage}, given that stage's input (as {@link #forwardCollecting} returned
     * it for the same {@code input}). Equal to {@link #forward} when no layer before {@code stage} changed since.
     */
    public synchronized ModelOutput forwardFrom(ModelInput input, int stage, Activation stageInput) {
        checkOpen();
        if (stage < 0 || stage >= stages()) throw new IllegalArgumentException("stage " + stage + " of " + stages());
        return backend.forwardStages(input, stage, stageInput, null);
    }

    /**
     * The rows each of {@code layers} multiplies by its weight on {@code input} (padding tokens left out), with
     * the weights as they are now; see {@link ModelBackend#layerInputs}.
     */
    public synchronized java.util.Map<String, float[]> layerInputs(ModelInput input, List<LayerRef> layers) {
        checkOpen();
        return backend.layerInputs(input, layers.stream().map(l -> layer(l.name())).toList());
    }

    /** See {@link ModelBackend#lossGradients}: gradients of the mean cross-entropy at the weights as they are now. */
    public synchronized java.util.Map<String, float[]> lossGradients(ModelInput input, int[] targets) {
        checkOpen();
        return backend.lossGradients(input, targets);
    }

    /** Streams the layers' inputs, one distinct input at a time; see {@link ModelBackend#layerInputs(ModelInput, List, java.util.function.BiConsumer)}. */
    public synchronized void layerInputs(ModelInput input, List<LayerRef> layers, java.util.function.BiConsumer<List<String>, float[]> sink) {
        checkOpen();
        backend.layerInputs(input, layers.stream().map(l -> layer(l.name())).toList(), sink);
    }

    /** A copy of a weight tensor's full-precision values (the original bits even while it is swapped). */
    public synchronized float[] fullPrecisionWeights(TensorRef tensor) {
        checkOpen();
        TensorRef t = tensorsByName.get(tensor.name());
        if (t == null) throw new ModelException(tensor.name(), "no such tensor in " + name);
        if (!t.dtype().equals("float32")) throw new ModelException(t.name(), "only float32 weights can be read; this one is " + t.dtype());
        byte[] orig = originals.get(t.name());
        ByteBuffer b = orig != null ? ByteBuffer.wrap(orig) : backend.weights(t).duplicate().clear();
        float[] out = new float[b.capacity() / Float.BYTES];
        b.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** Rows of a layer table, one per line. */
    public String layerTable() {
        StringBuilder sb = new StringBuilder();
        for (LayerRef l : layers) sb.append(l).append('\n');
        return sb.toString();
    }

    ModelBackend backend() { return backend; }

    private void checkOpen() {
        if (closed) throw new ModelException(name, "model is closed");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + engine() + " on " + device() + ", " + layers.size() + " layers, " + params() + " params, "
                + task().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
