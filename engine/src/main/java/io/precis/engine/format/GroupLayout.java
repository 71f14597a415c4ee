package io.precis.engine.format;

import java.util.Arrays;

/**
 * Where the scale groups of a {@link Format} fall in a row-major tensor of a given shape.
 *
 * <p>The tensor is read as {@code [outer, dim, inner]} around the axis the granularity names. Groups are
 * numbered in the order their scales are stored:
 * <ul>
 * <li>{@link Kind#TENSOR}: one group.</li>
 * <li>{@link Kind#ROWS}: {@code outer} contiguous rows of {@code dim} values, each cut into groups of
 *     {@code groupSize} (the last one possibly shorter); group {@code o * groupsPerRow + b}.</li>
 * <li>{@link Kind#CHANNELS}: one group per index {@code c} of the channel axis, strided through memory.</li>
 * <li>{@link Kind#LANES}: groups of {@code groupSize} along an axis that is not the innermost; group
 *     {@code (o * groupsPerRow + b) * inner + i}.</li>
 * </ul>
 * Per-channel scales on a leading axis and groups along the innermost axis become {@link Kind#ROWS}.
 */
public final class GroupLayout {

    /** The traversal shapes the kernels know. */
    public enum Kind { UNSCALED, TENSOR, ROWS, CHANNELS, LANES }

    private final int[] shape;
    private final int size;
    private final Kind kind;
    private final int outer;
    private final int dim;
    private final int inner;
    private final int groupSize;
    private final int groupsPerRow;
    private final int groupCount;

    private GroupLayout(int[] shape, int size, Kind kind, int outer, int dim, int inner, int groupSize) {
        this.shape = shape;
        this.size = size;
        this.kind = kind;
        this.outer = outer;
        this.dim = dim;
        this.inner = inner;
        this.groupSize = groupSize;
        this.groupsPerRow = groupSize == 0 ? 0 : (dim + groupSize - 1) / groupSize;
        this.groupCount = switch (kind) {
            case UNSCALED -> 0;
            case TENSOR -> 1;
            case ROWS -> outer * groupsPerRow;
            case CHANNELS -> dim;
            case LANES -> outer * groupsPerRow * inner;
        };
    }

    /**
     * The layout of {@code format} over {@code shape}.
     *
     * @throws IllegalArgumentException when the shape does not fit the granularity (axis out of range, group
     *         larger than the reduction axis, negative or too many elements)
     */
    public static GroupLayout of(Format format, int... shape) {
        int[] s = shape.clone();
        long n = 1;
        for (int d : s) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has a negative dimension");
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has more than 2^31-1 elements");
            }
        }
        int size = (int) n;
        Granularity g = format.granularity();
        return switch (g) {
            case Granularity.Unscaled u -> new GroupLayout(s, size, Kind.UNSCALED, 1, size, 1, 0);
            case Granularity.PerTensor t -> new GroupLayout(s, size, Kind.TENSOR, 1, size, 1, size);
            case Granularity.PerChannel c -> {
                int[] oDi = split(s, c.axis(), format, "per channel");
                if (oDi[0] == 1) {
                    // each channel is one contiguous row
                    yield new GroupLayout(s, size, Kind.ROWS, oDi[1], oDi[2], 1, oDi[2]);
                }
                yield new GroupLayout(s, size, Kind.CHANNELS, oDi[0], oDi[1], oDi[2], 0);
            }
            case Granularity.Groups gr -> alongAxis(format, s, size, gr.size(), gr.axis(), true);
            case Granularity.Blocks b -> alongAxis(format, s, size, b.size(), b.axis(), false);
        };
    }

    private static GroupLayout alongAxis(Format format, int[] s, int size, int group, int axis, boolean strict) {
        int[] oDi;
        if (axis == Granularity.ROWS) {
            int rows = s.length >= 2 ? s[0] : 1;
            oDi = new int[] {rows, rows == 0 ? 0 : size / rows, 1};
        } else {
            oDi = split(s, axis, format, "axis");
        }
        int dim = oDi[1];
        if (strict && group > dim && size > 0) {
            String where = axis == Granularity.ROWS
                    ? "the rows of " + Arrays.toString(s) + " hold " + dim
                    : "axis " + axis + " of " + Arrays.toString(s) + " holds " + dim;
            throw new IllegalArgumentException(format + ": group size " + group + " is larger than the reduction "
                    + "axis (" + where + " values); use a group size <= " + dim + ", or per channel");
        }
        Kind kind = oDi[2] == 1 ? Kind.ROWS : Kind.LANES;
        return new GroupLayout(s, size, kind, oDi[0], dim, oDi[2], group);
    }

    private static int[] split(int[] s, int axis, Format format, String what) {
        if (axis >= s.length) {
            throw new IllegalArgumentException(format + ": " + what + " axis " + axis + " is out of range for shape "
                    + Arrays.toString(s) + " (rank " + s.length + ")");
        }
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= s[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < s.length; i++) {
            inner *= s[i];
        }
        return new int[] {outer, s[axis], inner};
    }

    public int[] shape() { return shape.clone(); }

    /** Number of elements. */
    public int size() { return size; }

    public Kind kind() { return kind; }

    public int outer() { return outer; }

    public int dim() { return dim; }

    public int inner() { return inner; }

    /** Values per group along {@code dim} (ROWS, LANES). */
    public int groupSize() { return groupSize; }

    /** Groups per row of {@code dim} values (ROWS, LANES). */
    public int groupsPerRow() { return groupsPerRow; }

    /** Number of scales stored. */
    public int groupCount() { return groupCount; }

    /**
     * The elements of group {@code k} as {@code count} runs of {@code length} contiguous values, each run
     * {@code stride} after the previous one, the first at {@code start}: {start, count, stride, length}.
     */
    public int[] runs(int k) {
        switch (kind) {
            case TENSOR:
                return new int[] {0, 1, 0, size};
            case ROWS: {
                int o = k / groupsPerRow;
                int b = k % groupsPerRow;
                return new int[] {o * dim + b * groupSize, 1, 0, Math.min(groupSize, dim - b * groupSize)};
            }
            case CHANNELS:
                return new int[] {k * inner, outer, dim * inner, inner};
            case LANES: {
                int i = k % inner;
                int ob = k / inner;
                int o = ob / groupsPerRow;
                int b = ob % groupsPerRow;
                return new int[] {o * dim * inner + b * groupSize * inner + i,
                        Math.min(groupSize, dim - b * groupSize), inner, 1};
            }
            default:
                throw new IllegalStateException("an unscaled format has no groups");
        }
    }

    /** Number of elements in group {@code k}. */
    public int groupLength(int k) {
        int[] r = runs(k);
        return r[1] * r[3];
    }
}
