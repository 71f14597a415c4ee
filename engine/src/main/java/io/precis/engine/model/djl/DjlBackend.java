package io.precis.engine.model.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
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
import java.util.List;
import java.util.Map;

/**
 * What the two DJL back-ends share (both run on DJL's PyTorch engine): parameters by dotted name, zero-copy
 * weight views through {@code toByteBuffer(true)}, and a forward pass over the model's block.
 */
public abstract class DjlBackend implements ModelBackend {
    public static final String ENGINE = "PyTorch";

    protected final String where;
    protected final ai.djl.Model model;
    protected final ModelTask task;
    protected final int[] imageShape;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> views = new HashMap<>();
    private List<LayerRef> layers;

    protected DjlBackend(String where, ai.djl.Model model, ModelTask task, int[] imageShape) {
        this.where = where;
        this.model = model;
        this.task = task;
        this.imageShape = imageShape;
    }

    /** The device to use: a GPU if asked for and usable, else the CPU (with one warning). */
    public static Device device(String wanted) {
        if (!"gpu".equals(wanted)) return Device.cpu();
        Engine e = Engine.getEngine(ENGINE);
        if (e.getGpuCount() > 0) return Device.gpu();
        Devices.fallback(ENGINE, "the PyTorch natives on the classpath are CPU-only or no CUDA device is visible");
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
            if (!a.getDevice().equals(Device.cpu()))
                throw new ModelException(n, "weights on " + a.getDevice() + " cannot be viewed in place; swap needs them on the cpu");
            ByteBuffer b = a.toByteBuffer(true);
            if (!b.isDirect() || b.capacity() != a.size() * a.getDataType().getNumOfBytes())
                throw new ModelException(n, "the engine did not give a zero-copy view of this tensor");
            return b.order(ByteOrder.LITTLE_ENDIAN);
        });
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
            NDArray x;
            if (from > 0) {
                x = m.create(FloatBuffer.wrap(resume.values()), new Shape(resume.shape()));
            } else {
                x = switch (input) {
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
            ParameterStore ps = new ParameterStore(m, false);
            NDArray y;
            if (staged != null) {
                List<NDArray> inner = collect == null ? null : new ArrayList<>();
                y = staged.runStages(ps, x, from, inner);
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
