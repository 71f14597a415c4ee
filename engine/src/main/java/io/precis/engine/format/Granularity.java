package io.precis.engine.format;

/** Which weights share one scale. Axes are non-negative indices into the tensor's shape. */
public sealed interface Granularity
        permits Granularity.Unscaled, Granularity.PerTensor, Granularity.PerChannel, Granularity.Groups,
                Granularity.Blocks {

    /**
     * The reduction axis of groups and blocks when none is named: the tensor is read as rows of
     * {@code shape[0]} by the product of the remaining dimensions (PyTorch's [out, in, ...] weight layout,
     * as GPTQ and friends flatten convolution kernels). For a 1-D tensor it is the single row.
     */
    int ROWS = -1;

    /** No scale at all: a plain element cast (bf16, fp16, or an explicitly unscaled minifloat). */
    record Unscaled() implements Granularity {
        @Override
        public String toString() {
            return "unscaled";
        }
    }

    /** One scale for the whole tensor. */
    record PerTensor() implements Granularity {
        @Override
        public String toString() {
            return "per tensor";
        }
    }

    /** One scale per index along {@code axis} (0 = output channels of a PyTorch weight). */
    record PerChannel(int axis) implements Granularity {
        public PerChannel {
            if (axis < 0) {
                throw new IllegalArgumentException("per channel: axis must be >= 0, got " + axis);
            }
        }

        @Override
        public String toString() {
            return axis == 0 ? "per channel" : "per channel axis " + axis;
        }
    }

    /** One scale per {@code size} consecutive weights along the reduction axis; the last group may be shorter. */
    record Groups(int size, int axis) implements Granularity {
        public Groups {
            if (size < 1) {
                throw new IllegalArgumentException("group size must be >= 1, got " + size);
            }
            if (axis < ROWS) {
                throw new IllegalArgumentException("group axis must be >= 0, got " + axis);
            }
        }

        @Override
        public String toString() {
            return "group " + size + (axis == ROWS ? "" : " axis " + axis);
        }
    }

    /**
     * The block layout fixed by a spec (OCP MX: 32 with an E8M0 scale; NVFP4: 16 with a UE4M3 scale and an
     * FP32 tensor scale). A last block shorter than {@code size} behaves as if zero-padded.
     */
    record Blocks(int size, int axis, ScaleType scale, boolean tensorScale) implements Granularity {
        @Override
        public String toString() {
            return axis == ROWS ? "" : "axis " + axis;
        }
    }
}
