package io.precis.engine.data;

import io.precis.engine.model.ModelInput;

/** Labelled images, channel-first floats in [0, 1], e.g. Fashion-MNIST. */
public record ImageSet(String name, float[] pixels, int[] labels, int channels, int height, int width, String hash)
        implements Dataset {

    public ImageSet(String name, float[] pixels, int[] labels, int channels, int height, int width) {
        this(name, pixels, labels, channels, height, width, Hashing.of(pixels, labels));
    }

    public ImageSet {
        if (pixels.length != (long) labels.length * channels * height * width)
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixels for " + labels.length + " images of "
                    + channels + "x" + height + "x" + width);
    }

    @Override
    public int size() { return labels.length; }

    public int pixelsPerImage() { return channels * height * width; }

    @Override
    public String description() {
        return labels.length + " images " + channels + "x" + height + "x" + width + " with labels";
    }

    /** Images {@code [from, to)} as one model input. */
    public ModelInput.Images batch(int from, int to) {
        int p = pixelsPerImage();
        float[] b = new float[(to - from) * p];
        System.arraycopy(pixels, from * p, b, 0, b.length);
        return new ModelInput.Images(b, to - from, channels, height, width);
    }

    public ImageSet first(int n) {
        if (n >= labels.length) return this;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return subset("first " + n, idx);
    }

    ImageSet subset(String label, int[] indices) {
        int p = pixelsPerImage();
        float[] px = new float[indices.length * p];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * p, px, i * p, p);
            lb[i] = labels[indices[i]];
        }
        return new ImageSet(name + " [" + label + "]", px, lb, channels, height, width);
    }

    @Override
    public String toString() { return name + " (" + description() + ")"; }
}
