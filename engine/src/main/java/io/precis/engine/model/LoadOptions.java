package io.precis.engine.model;

/**
 * How to load a model.
 *
 * @param device   {@code cpu} or {@code gpu}; without a usable GPU the model runs on the CPU after one warning
 * @param task     what the model's output means, or null to infer it (graph outputs, sidecar file)
 * @param onnxSwap how swapped weights reach ONNX Runtime; see {@link OnnxSwap}
 */
public record LoadOptions(String device, ModelTask task, OnnxSwap onnxSwap) {

    /** How changed initializers reach ONNX Runtime. */
    public enum OnnxSwap {
        /**
         * The session runs on our direct buffers (SessionOptions.addInitializer, weight pre-packing off), so a
         * swap changes what the next run computes with no rebuild at all. The default.
         */
        LIVE,
        /** A new session per weight set, changed tensors given with SessionOptions.addInitializer. */
        ADD_INITIALIZER,
        /** A new session per weight set, from a ModelProto whose initializers were rewritten. */
        REWRITE_PROTO
    }

    public LoadOptions {
        if (device == null) device = "cpu";
        device = device.toLowerCase(java.util.Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu"))
            throw new ModelException("device '" + device + "'", "unknown device; devices: cpu, gpu");
        if (onnxSwap == null) onnxSwap = OnnxSwap.LIVE;
    }

    public static LoadOptions defaults() { return new LoadOptions("cpu", null, null); }

    public LoadOptions device(String d) { return new LoadOptions(d, task, onnxSwap); }

    public LoadOptions task(ModelTask t) { return new LoadOptions(device, t, onnxSwap); }

    public LoadOptions onnxSwap(OnnxSwap s) { return new LoadOptions(device, task, s); }
}
