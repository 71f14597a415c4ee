package io.precis.engine.model.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.precis.engine.model.Activation;
import io.precis.engine.model.Devices;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.ModelBackend;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.ModelOutput;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.ParameterLayers;
import io.precis.engine.model.TensorRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the two DJL back-ends share (both run on DJL's PyTorch engine): parameters by dotted name, zero-copy
 * weight views through {@code toByteBuffer(true)}, and a forward pass over the model's block.
 *
 * <p>On a GPU the parameters have no host memory to view: swaps then write a host copy of each tensor they touch,
 * and {@link #weightsChanged} sends the changed copies to the device (so quantization itself always runs on the
 * CPU, with the same kernels and bit-identical weights as a CPU model).
 */
public abstract class DjlBackend implements ModelBackend {
    public static final String ENGINE = "PyTorch";
    /**
     * Test switch: host copies plus uploads even for CPU tensors, so the GPU's bookkeeping is exercised on a
     * machine without one.
     */
    public static final String HOST_COPIES_PROPERTY = "precis.engine.hostWeightCopies";

    protected final String where;
    protected final ai.djl.Model model;
    protected final ModelTask task;
    protected final int[] imageShape;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> views = new HashMap<>();
    private List<LayerRef> layers;
    /** Whether {@link #weights} hands out host copies that {@link #weightsChanged} uploads (GPU models). */
    private boolean hostCopies;
    /** Tensors that differed from the file at the last {@link #weightsChanged}: restored ones must be sent back too. */
    private Set<String> sent = Set.of();
    private long uploads;

    protected DjlBackend(String where, ai.djl.Model model, ModelTask task, int[] imageShape) {
        this.where = where;
        this.model = model;
        this.task = task;
        this.imageShape = imageShape;
    }

    /**
     * The device to use: a GPU if asked for and usable, else the CPU (with one warning). Usable means libtorch
     * itself reports CUDA ({@code torch::cuda::is_available()}); DJL's own GPU count goes through a separate
     * cudart lookup that can miss the libraries a libtorch build brings, so it is not asked.
     */
    public static Device device(String wanted) {
        if (!"gpu".equals(wanted)) return Device.cpu();
        Engine e = Engine.getEngine(ENGINE);
        if (e.hasCapability(StandardCapabilities.CUDA)) return Device.gpu();
        Devices.fallback(ENGINE, "PyTorch " + e.getVersion() + " sees no CUDA device: the natives in use are CPU-only"
                + " or no GPU is visible (README, GPU, says how to run on one)");
        return Device.cpu();
    }

    /** Call once the block holds its parameters; names are the caller's (TorchScript's own, or block paths). */
    protected final void index(Map<String, Parameter> named) {
        List<ParameterLayers.Param> list = new ArrayList<>();
        named.forEach((n, p) -> {
            if (!p.isInitialized()) return;
            NDArray a = p.getArray();
            params.put(n, p);
            list.add(new ParameterLayers.Param(n, a.getShape().getShape(), dtype(a.getDataType())));
        });
        if (list.isEmpty()) throw new ModelException(where, "the model has no parameters to show");
        layers = ParameterLayers.build(list);
        Device d = model.getNDManager().getDevice();
        for (Map.Entry<String, Parameter> p : params.entrySet()) {
            // a model asked for on the GPU must not keep part of its weights on the CPU without saying so
            if (!p.getValue().getArray().getDevice().equals(d))
                throw new ModelException(where, "parameter '" + p.getKey() + "' is on " + p.getValue().getArray().getDevice()
                        + " but the model runs on " + d);
        }
        hostCopies = d.isGpu() || Boolean.getBoolean(HOST_COPIES_PROPERTY);
    }

    private static String dtype(DataType t) {
        return switch (t) {
            case FLOAT32 -> "float32";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            case FLOAT64 -> "float64";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    @Override
    public String engine() { return ENGINE + " " + Engine.getEngine(ENGINE).getVersion(); }

    @Override
    public String device() {
        Device d = model.getNDManager().getDevice();
        return d.isGpu() ? "gpu(" + d.getDeviceId() + ")" : "cpu";
    }

    @Override
    public ModelTask task() { return task; }

    @Override
    public List<LayerRef> layers() { return layers; }

    @Override
    public synchronized ByteBuffer weights(TensorRef t) {
        return views.computeIfAbsent(t.name(), n -> {
            Parameter p = params.get(n);
            if (p == null) throw new ModelException(n, "no such parameter in " + where);
            NDArray a = p.getArray();
            long bytes = a.size() * a.getDataType().getNumOfBytes();
            if (hostCopies) {
                ByteBuffer copy = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                copy.put(a.toByteBuffer(false).order(ByteOrder.LITTLE_ENDIAN)).clear();
                return copy;
            }
            if (!a.getDevice().equals(Device.cpu()))
                throw new ModelException(n, "weights on " + a.getDevice() + " cannot be viewed in place; swap needs them on the cpu");
            ByteBuffer b = a.toByteBuffer(true);
            if (!b.isDirect() || b.capacity() != bytes)
                throw new ModelException(n, "the engine did not give a zero-copy view of this tensor");
            return b.order(ByteOrder.LITTLE_ENDIAN);
        });
    }

    /**
     * With host copies: sends every tensor that differs from the file now, or did at the last call (it was just
     * restored), to the device. {@link io.precis.engine.model.Model} writes weights only inside swap and restore,
     * and calls this after each, so these are all the tensors whose device copy can be stale.
     */
    @Override
    public synchronized void weightsChanged(Set<TensorRef> modified) {
        if (!hostCopies) return;
        Set<String> now = new LinkedHashSet<>();
        for (TensorRef t : modified) now.add(t.name());
        Set<String> send = new LinkedHashSet<>(now);
        send.addAll(sent);
        for (String n : send) {
            ByteBuffer host = views.get(n);
            if (host == null) continue; // never handed out, so never written
            NDArray a = params.get(n).getArray();
            // PyTorch's set() copies a host buffer to a CUDA tensor, but adopts it as the storage of a CPU one;
            // a CPU tensor (the test switch) gets its own copy, so a missed upload shows as stale weights
            ByteBuffer src = a.getDevice().isGpu() ? host.duplicate().clear()
                    : ByteBuffer.allocateDirect(host.capacity()).order(ByteOrder.LITTLE_ENDIAN).put(host.duplicate().clear()).clear();
            a.set(src);
            uploads++;
        }
        sent = now;
    }

    /** Tensors sent to the device since loading (0 for CPU models, whose weights are changed in place). */
    public synchronized long uploads() { return uploads; }

    /**
     * Names of tensors whose values on the device differ from their host copy, bit for bit (reads every
     * handed-out tensor back from the device; for checks, not for the hot path). Empty without host copies.
     */
    public synchronized List<String> staleOnDevice() {
        List<String> stale = new ArrayList<>();
        if (!hostCopies) return stale;
        views.forEach((n, host) -> {
            ByteBuffer dev = params.get(n).getArray().toByteBuffer(false).order(ByteOrder.LITTLE_ENDIAN);
            if (!dev.equals(host.duplicate().clear())) stale.add(n);
        });
        return stale;
    }

    @Override
    public synchronized ModelOutput forward(ModelInput input) {
        return forwardStages(input, 0, null, null);
    }

    @Override
    public int stages() {
        return model.getBlock() instanceof StagedBlock s ? s.stages() : 1;
    }

    @Override
    public int stageOf(LayerRef layer) {
        return model.getBlock() instanceof StagedBlock s ? s.stageOf(layer.name()) : 0;
    }

    @Override
    public synchronized ModelOutput forwardStages(ModelInput input, int from, Activation resume, List<Activation> collect) {
        StagedBlock staged = model.getBlock() instanceof StagedBlock s ? s : null;
        if (staged == null && (from != 0 || collect != null))
            throw new UnsupportedOperationException(where + " runs its forward pass as one stage");
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = from > 0 ? m.create(FloatBuffer.wrap(resume.values()), new Shape(resume.shape())) : array(m, input);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray y;
            if (staged != null) {
                List<NDArray> inner = collect == null ? null : new ArrayList<>();
                // the stage inputs a pass collects are full precision (resumed passes start from them), so no rules there
                ActivationHook hook = collect == null ? activations : null;
                y = staged.runStages(ps, x, from, inner, hook);
                if (hook != null) {
                    java.util.Set<String> never = hook.notOffered();
                    if (from == 0 && !never.isEmpty())
                        throw new ModelException(where, "activation rules name " + String.join(", ", never) + ", whose inputs the forward pass"
                                + " never multiplies by a weight here (only linear layers' inputs are quantized)");
                }
                if (inner != null)
                    for (NDArray a : inner) collect.add(new Activation(a.toType(DataType.FLOAT32, false).toFloatArray(), a.getShape().getShape()));
            } else {
                y = model.getBlock().forward(ps, new NDList(x), false).singletonOrThrow();
            }
            if (y.getDataType() != DataType.FLOAT32) y = y.toType(DataType.FLOAT32, false);
            return new ModelOutput(y.toFloatArray(), y.getShape().getShape());
        } catch (ModelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelException(where, "forward pass failed: " + e.getMessage(), e);
        }
    }

    private NDArray array(NDManager m, ModelInput input) {
        return switch (input) {
            case ModelInput.Images img -> {
                if (imageShape == null) throw new ModelException(where, "takes " + inputDescription() + ", not images");
                yield m.create(FloatBuffer.wrap(img.pixels()), new Shape(img.n(), img.channels(), img.height(), img.width()));
            }
            case ModelInput.Tokens tok -> {
                if (imageShape != null) throw new ModelException(where, "takes " + inputDescription() + ", not text");
                yield m.create(tok.ids());
            }
        };
    }

    /**
     * One forward and backward pass with autograd on every float32 parameter (the block in inference mode, so
     * dropout is off): the loss is the mean over output vectors of −log softmax at the target. Each gradient is
     * read, then zeroed (PyTorch accumulates into {@code .grad}), and the parameters' {@code requires_grad} is put
     * back as it was, so in-place weight swaps keep working.
     */
    @Override
    public synchronized Map<String, float[]> lossGradients(ModelInput input, int[] targets) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        params.forEach((n, p) -> { if (p.getArray().getDataType() == DataType.FLOAT32) arrays.put(n, p.getArray()); });
        Map<String, Boolean> had = new HashMap<>();
        arrays.forEach((n, a) -> had.put(n, a.hasGradient()));
        try (NDManager m = model.getNDManager().newSubManager()) {
            arrays.values().forEach(a -> a.setRequiresGradient(true));
            NDArray x = array(m, input);
            try (ai.djl.training.GradientCollector gc = Engine.getEngine(ENGINE).newGradientCollector()) {
                ParameterStore ps = new ParameterStore(m, false);
                NDArray y = model.getBlock() instanceof StagedBlock s ? s.runStages(ps, x, 0, null)
                        : model.getBlock().forward(ps, new NDList(x), gradientsNeedTraining()).singletonOrThrow();
                if (y.getDataType() != DataType.FLOAT32) y = y.toType(DataType.FLOAT32, false);
                long classes = y.getShape().get(y.getShape().dimension() - 1);
                NDArray logits = y.reshape(-1, classes);
                if (logits.getShape().get(0) != targets.length)
                    throw new ModelException(where, "gives " + logits.getShape().get(0) + " output vectors for " + targets.length + " targets");
                NDArray onehot = m.create(targets).oneHot((int) classes);
                NDArray loss = logits.logSoftmax(1).mul(onehot).sum().neg().div(targets.length);
                gc.backward(loss);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            arrays.forEach((n, a) -> {
                try (NDArray g = a.getGradient()) {
                    out.put(n, g.toFloatArray());
                    g.subi(g);
                }
            });
            return out;
        } catch (ModelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelException(where, "backward pass failed: " + e.getMessage(), e);
        } finally {
            arrays.forEach((n, a) -> a.setRequiresGradient(had.get(n)));
        }
    }

    /**
     * Whether the block records gradients only in training mode. DJL runs a TorchScript module's inference-mode
     * forward without autograd, so TorchScript overrides this (its dropout and batch norm then act as in training).
     */
    protected boolean gradientsNeedTraining() {
        return false;
    }

    @Override
    public synchronized Map<String, float[]> layerInputs(ModelInput input, List<LayerRef> layers) {
        Map<String, float[]> out = new LinkedHashMap<>();
        layerInputs(input, layers, (names, x) -> names.forEach(n -> out.put(n, x)));
        return out;
    }

    /**
     * Precis's own blocks ({@link StagedBlock}) offer each linear layer's input from inside their forward pass; DJL
     * 0.36 has no forward hooks on blocks, and a TorchScript module runs as one libtorch call.
     */
    @Override
    public synchronized void layerInputs(ModelInput input, List<LayerRef> layers, java.util.function.BiConsumer<List<String>, float[]> sink) {
        if (!(model.getBlock() instanceof StagedBlock staged)) {
            if (model.getBlock() instanceof ai.djl.nn.SymbolBlock)
                throw new UnsupportedOperationException(where + ": a TorchScript model cannot be calibrated (GPTQ, AWQ, SmoothQuant, static "
                        + "activation scales): DJL 0.36 runs it as one call into libtorch and exposes neither its submodules nor forward "
                        + "hooks, so its layers' inputs are never visible. Export it to ONNX, whose layers can be calibrated.");
            throw new UnsupportedOperationException(where + ": the block " + model.getBlock().getClass().getSimpleName()
                    + " cannot hand out its layers' inputs (DJL blocks have no forward hooks; Precis's own blocks offer them)");
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (LayerRef l : layers) {
            if (l.weight().shape().length != 2)
                throw new ModelException(where, "layer " + l.name() + " is not a linear layer, so it has no input rows to calibrate on");
            wanted.add(l.name());
        }
        long[][] mask = input instanceof ModelInput.Tokens t ? t.mask() : null;
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = array(m, input);
            InputCapture capture = new InputCapture(wanted, (names, a) -> sink.accept(names, realRows(a, mask)));
            // with activation rules on, a layer's input is what it multiplies: the fake-quantized rows
            staged.capture(new ParameterStore(m, false), x, LayerInputs.chain(activations, capture));
            if (activations != null) activations.notOffered();
            if (!capture.complete())
                throw new ModelException(where, "the forward pass never reached the input of " + String.join(", ", capture.missing()));
        } catch (ModelException | UnsupportedOperationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelException(where, "forward pass failed: " + e.getMessage(), e);
        }
    }

    /** Rows [..., d] as float32, without the rows of padding tokens when the array is [batch, tokens, d]. */
    private static float[] realRows(NDArray a, long[][] mask) {
        float[] all = a.toType(DataType.FLOAT32, false).toFloatArray();
        Shape s = a.getShape();
        if (mask == null || s.dimension() != 3 || s.get(0) != mask.length || mask.length == 0 || s.get(1) != mask[0].length) return all;
        int d = Math.toIntExact(s.get(2)), n = 0;
        for (long[] r : mask) for (long v : r) n += v != 0 ? 1 : 0;
        if ((long) n * d == all.length) return all;
        float[] real = new float[n * d];
        int k = 0, row = 0;
        for (long[] r : mask)
            for (long v : r) {
                if (v != 0) System.arraycopy(all, row * d, real, k++ * d, d);
                row++;
            }
        return real;
    }

    /** The activation rules in force in {@link #forward} (null when none). */
    private ActivationHook activations;

    /**
     * Precis's own blocks hand each linear layer's input to an {@link ActivationHook} inside their forward pass,
     * which replaces it by its fake-quantized copy (divided by the SmoothQuant divisors first; they stay explicit,
     * so nothing is folded). Passes that collect stage inputs run without the rules: those inputs are the
     * full-precision ones a resumed pass starts from, and a pass resumed at stage k is exact only when no quantized
     * layer reads weights before k ({@code Runner} starts there).
     */
    @Override
    public synchronized Set<LayerRef> quantizeActivations(Map<LayerRef, io.precis.engine.algo.ActivationQuant> quant, Map<LayerRef, float[]> smooth) {
        if (quant.isEmpty()) {
            activations = null;
            return Set.of();
        }
        if (!(model.getBlock() instanceof StagedBlock)) {
            if (model.getBlock() instanceof ai.djl.nn.SymbolBlock)
                throw new UnsupportedOperationException(where + ": a TorchScript model cannot quantize its layers' inputs: DJL 0.36 runs it as one"
                        + " call into libtorch, with no place between its layers to change a tensor. Export it to ONNX, whose inputs can be quantized.");
            throw new UnsupportedOperationException(where + ": the block " + model.getBlock().getClass().getSimpleName()
                    + " cannot quantize its layers' inputs (DJL blocks have no forward hooks; Precis's own blocks offer them)");
        }
        Map<String, io.precis.engine.algo.ActivationQuant> q = new LinkedHashMap<>();
        Map<String, float[]> s = new HashMap<>();
        for (Map.Entry<LayerRef, io.precis.engine.algo.ActivationQuant> e : quant.entrySet()) {
            LayerRef l = e.getKey();
            if (l.weights().size() != 1 || l.weight().shape().length != 2)
                throw new IllegalArgumentException(l.name() + " is not a linear layer with one weight matrix; only their inputs are quantized");
            q.put(l.name(), e.getValue());
            float[] d = smooth.get(l);
            if (d != null) s.put(l.name(), d);
        }
        activations = new ActivationHook(q, s);
        return Set.of();
    }

    @Override
    public String inputDescription() {
        return imageShape == null ? "text (token ids)" : "images " + imageShape[0] + "x" + imageShape[1] + "x" + imageShape[2];
    }

    @Override
    public int[] imageShape() { return imageShape == null ? null : imageShape.clone(); }

    @Override
    public synchronized void close() {
        views.clear();
        model.close();
    }
}
