package io.precis.engine.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The float32 values being quantized: a {@code float[]} (worked on directly) or a byte buffer (worked on through
 * a small per-thread tile, so no full-size copy is ever made).
 */
abstract sealed class Storage permits Storage.OfArray, Storage.OfBuffer {

    /** Floats per tile when working through a buffer (16 KiB: stays in L1 while a group is processed). */
    static final int TILE = 4096;

    abstract int size();

    /** Reads one value (any thread). */
    abstract float get(int i);

    /** A window onto the values for one thread. */
    abstract Cursor cursor();

    static Storage of(float[] a) {
        return new OfArray(a);
    }

    static Storage of(ByteBuffer b) {
        return new OfBuffer(b);
    }

    /** Makes ranges of the values available as a float[] for the kernels, and writes them back. */
    abstract static class Cursor {
        /** The array holding the last loaded range. */
        float[] array;

        /** The longest range one load can hold. */
        abstract int capacity();

        /** Loads [off, off+len) (len <= capacity); returns where element {@code off} is in {@link #array}. */
        abstract int load(int off, int len);

        /** Writes back [off, off+len) after the kernels changed the last load. */
        abstract void store(int off, int len);
    }

    static final class OfArray extends Storage {
        private final float[] a;

        OfArray(float[] a) {
            this.a = a;
        }

        @Override
        int size() {
            return a.length;
        }

        @Override
        float get(int i) {
            return a[i];
        }

        @Override
        Cursor cursor() {
            Cursor c = new Cursor() {
                @Override
                int capacity() {
                    return Integer.MAX_VALUE;
                }

                @Override
                int load(int off, int len) {
                    return off;
                }

                @Override
                void store(int off, int len) {
                }
            };
            c.array = a;
            return c;
        }
    }

    static final class OfBuffer extends Storage {
        private final ByteBuffer buffer;
        private final FloatBuffer floats;

        OfBuffer(ByteBuffer b) {
            if (b.isReadOnly()) {
                throw new IllegalArgumentException("the buffer is read-only; quantization writes in place");
            }
            if (b.remaining() % Float.BYTES != 0) {
                throw new IllegalArgumentException("the buffer holds " + b.remaining()
                        + " bytes from its position, not a whole number of float32 values");
            }
            this.buffer = b;
            this.floats = view();
        }

        private FloatBuffer view() {
            ByteOrder order = buffer.order();
            return buffer.duplicate().order(order).slice().order(order).asFloatBuffer();
        }

        @Override
        int size() {
            return floats.capacity();
        }

        @Override
        float get(int i) {
            return floats.get(i);
        }

        @Override
        Cursor cursor() {
            FloatBuffer view = view();
            Cursor c = new Cursor() {
                @Override
                int capacity() {
                    return TILE;
                }

                @Override
                int load(int off, int len) {
                    view.get(off, array, 0, len);
                    return 0;
                }

                @Override
                void store(int off, int len) {
                    view.put(off, array, 0, len);
                }
            };
            c.array = new float[TILE];
            return c;
        }
    }
}
