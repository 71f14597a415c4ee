package io.precis.engine.model.gguf;

import java.util.Arrays;
import java.util.List;

/**
 * One metadata value of a GGUF file with its GGUF type, so it can be written back exactly as read.
 * Scalars hold a boxed Java value (unsigned types widened: uint8/16 as Integer, uint32 as Long, uint64 as Long
 * bits); arrays hold a primitive array of the element type's Java form, or a {@code List<String>} / {@code
 * boolean[]}; nested arrays hold a {@code List<GgufValue>}.
 *
 * @param type        the GGUF value type
 * @param elementType for arrays, the element type; else null
 * @param value       the value as described above
 */
public record GgufValue(Type type, Type elementType, Object value) {

    /** GGUF value types, numbered as in the file format. */
    public enum Type {
        UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
        UINT64(8), INT64(8), FLOAT64(8);

        /** The smallest number of bytes one value of this type takes in a file (strings: their length field). */
        final int minBytes;

        Type(int minBytes) { this.minBytes = minBytes; }

        public int id() { return ordinal(); }

        static Type of(long id) {
            return id >= 0 && id < values().length ? values()[(int) id] : null;
        }
    }

    public static GgufValue string(String s) { return new GgufValue(Type.STRING, null, s); }

    public static GgufValue uint32(long v) { return new GgufValue(Type.UINT32, null, v); }

    public static GgufValue float32(float v) { return new GgufValue(Type.FLOAT32, null, v); }

    public static GgufValue bool(boolean v) { return new GgufValue(Type.BOOL, null, v); }

    public static GgufValue strings(List<String> v) { return new GgufValue(Type.ARRAY, Type.STRING, List.copyOf(v)); }

    public static GgufValue int32s(int[] v) { return new GgufValue(Type.ARRAY, Type.INT32, v.clone()); }

    public static GgufValue float32s(float[] v) { return new GgufValue(Type.ARRAY, Type.FLOAT32, v.clone()); }

    /** A whole number of any integer type, or null for other types. */
    public Long asLong() {
        return value instanceof Number n && type != Type.FLOAT32 && type != Type.FLOAT64 ? n.longValue() : null;
    }

    /** A number of any type, or null. */
    public Double asDouble() {
        return value instanceof Number n ? n.doubleValue() : null;
    }

    public String asString() {
        return value instanceof String s ? s : null;
    }

    /** A string array's elements, or null. */
    @SuppressWarnings("unchecked")
    public List<String> asStrings() {
        return type == Type.ARRAY && elementType == Type.STRING ? (List<String>) value : null;
    }

    /** Number of elements of an array (1 for scalars). */
    public int length() {
        if (type != Type.ARRAY) return 1;
        return switch (value) {
            case List<?> l -> l.size();
            case byte[] a -> a.length;
            case short[] a -> a.length;
            case int[] a -> a.length;
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            default -> 0;
        };
    }

    @Override
    public String toString() {
        if (type != Type.ARRAY) return String.valueOf(value);
        String body = switch (value) {
            case List<?> l -> l.size() > 8 ? l.subList(0, 8) + "..." : l.toString();
            case int[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(8, a.length)));
            case float[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(8, a.length)));
            default -> value.getClass().getSimpleName();
        };
        return elementType.name().toLowerCase(java.util.Locale.ROOT) + "[" + length() + "] " + body;
    }
}
