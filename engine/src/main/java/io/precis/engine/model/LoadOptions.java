package io.precis.engine.model;

/**
 * How to load a model.
 *
 * @param device   {@code cpu} or {@code gpu}; without a usable GPU the model runs on the CPU after one warning
 * @param task     what the model's output means, or null to infer it (graph outputs, sidecar file)
 * @param onnxSwap how swapped weights reach ONNX Runtime; see {@link OnnxSwap}
 */
public record LoadOptions(String device, ModelTask task, OnnxSwap onnxSwap) {

    /** Two ways to hand changed initializers to ONNX Runtime; both rebuild the session from bytes in memory. */
    public enum OnnxSwap {
        /** SessionOptions.addInitializer with our direct buffers: no copy of the model proto. */
        ADD_INITIALIZER,
        /** Rewrite the initializers in the ModelProto and build the session from the new bytes. */
        REWRITE_PROTO
    }

    public LoadOptions {
        if (device == null) device = "cpu";
        device = device.toLowerCase(java.util.Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu"))
            throw new ModelException("device '" + device + "'", "unknown device; devices: cpu, gpu");
        if (onnxSwap == null) onnxSwap = OnnxSwap.ADD_INITIALIZER;
    }

    public static LoadOptions defaults() { return new LoadOptions("cpu", null, null); }

    public LoadOptions device(String d) { return new LoadOptions(d, task, onnxSwap); }

    public LoadOptions task(ModelTask t) { return new LoadOptions(device, t, onnxSwap); }

    public LoadOptions onnxSwap(OnnxSwap s) { return new LoadOptions(device, task, s); }
}
