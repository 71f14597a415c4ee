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

        /** Sentences as one batch: token ids padded with 0 to the longest, mask 1 on the real tokens. */
        public static Tokens of(io.precis.engine.data.Tokenizer tokenizer, java.util.List<String> sentences) {
            long[][] ids = new long[sentences.size()][];
            int len = 0;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokenizer.encode(sentences.get(i));
                len = Math.max(len, ids[i].length);
            }
            long[][] padded = new long[ids.length][len], mask = new long[ids.length][len];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(ids[i], 0, padded[i], 0, ids[i].length);
                java.util.Arrays.fill(mask[i], 0, ids[i].length, 1);
            }
            return new Tokens(padded, mask);
        }
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
