package io.precis.engine.model;

/** One batch handed to a model. */
public sealed interface ModelInput {

    int size();

    /**
     * Token ids, padded to one length; {@code mask} is 1 for real tokens and 0 for padding.
     */
    record Tokens(long[][] ids, long[][] mask) implements ModelInput {
        public int size() { return ids.length; }
        public int length() { return ids.length == 0 ? 0 : ids[0].length; }
    }

    /** Images, channel-first, values already scaled, {@code n * channels * height * width} floats. */
    record Images(float[] pixels, int n, int channels, int height, int width) implements ModelInput {
        public Images {
            if (pixels.length != (long) n * channels * height * width)
                throw new IllegalArgumentException("pixels: " + pixels.length + " floats for " + n + "x" + channels + "x" + height + "x" + width);
        }
        public int size() { return n; }
    }
}
