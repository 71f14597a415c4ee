package io.precis.engine.algo;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.GroupLayout;
import io.precis.engine.quant.Encoded;

/**
 * An integer format's scales and zero points, fixed from the original weights (as RTN and llm-compressor's GPTQ
 * choose them), and rounding of single values onto that grid: {@code r = rint(clamp(x / s, qmin − z, qmax − z))},
 * value {@code r · s}, code {@code r + z} — the format library's own rule, so with unchanged weights it equals
 * {@link Format#fakeQuantize} bit for bit (tested). Weights are [rows][cols], cols the reduction axis.
 */
final class IntGrid {
    final Format format;
    final int rows, cols;
    final float qmin, qmax;
    private final float[] scales, zeros;
    private final GroupLayout.Kind kind;
    private final int groupSize, groupsPerRow;

    private IntGrid(Format format, int rows, int cols, Encoded e, GroupLayout layout) {
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        int n = ((Element.Int) format.element()).bits();
        if (format.isSymmetric()) {
            qmax = (1 << (n - 1)) - 1;
            qmin = format.fullRange() ? -(1 << (n - 1)) : -qmax;
        } else {
            qmin = 0;
            qmax = (1 << n) - 1;
        }
        scales = new float[e.groupCount()];
        zeros = new float[e.groupCount()];
        for (int k = 0; k < scales.length; k++) {
            scales[k] = e.scale(k);
            zeros[k] = e.zeroPoint(k);
        }
        kind = layout.kind();
        groupSize = layout.groupSize();
        groupsPerRow = layout.groupsPerRow();
    }

    /** Checks that the algorithms can use {@code format}: an integer format, per tensor / per channel / groups. */
    static void require(Format format, String algorithm) {
        if (!(format.element() instanceof Element.Int) || format.isBlockFormat()) {
            throw new IllegalArgumentException(algorithm + " needs an integer format (int2..int8, per tensor, per "
                    + "channel or group N); got " + format);
        }
        if (!(format.rounding() instanceof io.precis.engine.format.Rounding.NearestEven)) {
            throw new IllegalArgumentException(algorithm + " rounds to nearest; drop '" + format.rounding() + "' from " + format);
        }
    }

    /** Scales (and zero points) from {@code w} [rows][cols] by the format's own scale rule. */
    static IntGrid of(Format format, float[] w, int rows, int cols) {
        Format f = rowsLayout(format);
        Encoded e = f.encode(w.clone(), rows, cols);
        return new IntGrid(f, rows, cols, e, GroupLayout.of(f, rows, cols));
    }

    /** The format laid on [rows][cols] with per-channel scales on rows and groups along cols. */
    static Format rowsLayout(Format format) {
        return switch (format.granularity()) {
            case io.precis.engine.format.Granularity.PerChannel c -> format.axis(0);
            default -> format;
        };
    }

    int group(int row, int col) {
        return switch (kind) {
            case TENSOR -> 0;
            case CHANNELS -> row;
            case ROWS -> row * groupsPerRow + col / groupSize;
            default -> throw new IllegalStateException("layout " + kind);
        };
    }

    float scale(int row, int col) { return scales[group(row, col)]; }

    float zero(int row, int col) { return zeros[group(row, col)]; }

    /** The integer step r (before the zero point) of x in group (row, col). */
    float step(float x, int row, int col) {
        int k = group(row, col);
        float s = scales[k], z = zeros[k];
        float y = x / s;
        float lo = qmin - z, hi = qmax - z;
        if (y < lo) y = lo;
        if (y > hi) y = hi;
        return (float) Math.rint(y);
    }

    /** Dequantized value of x on the grid. */
    float quantize(float x, int row, int col) {
        return (step(x, row, col) + 0.0f) * scales[group(row, col)];
    }

    int code(float x, int row, int col) {
        return (int) step(x, row, col) + (int) zero(row, col);
    }

    float[] scales() { return scales.clone(); }
}
