package io.precis.engine.analysis;

import io.precis.engine.figure.Axis;
import io.precis.engine.figure.Figure;
import io.precis.engine.figure.Palette;
import io.precis.engine.figure.Trace;
import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.MiniFloat;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.quant.Encoded;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A layer's full-precision weights as a histogram, with a format's quantization grid drawn over it. Scaled
 * formats have one grid per scale group (channel, group, block); the figure draws the grid of the group with
 * the largest scale, which spans the widest range, and says which; the other groups' grids are finer.
 */
public final class WeightHistogram {
    /** Grids with more levels than this in the plotted range are not drawn line by line (e.g. fp16). */
    static final int MAX_LINES = 600;

    private WeightHistogram() {}

    /** The layer's main weight tensor, 60 bins, and the grid of {@code format}. */
    public static Figure figure(Model model, LayerRef layer, Format format) {
        return figure(model, layer, format, 60);
    }

    public static Figure figure(Model model, LayerRef layer, Format format, int bins) {
        if (bins < 2 || bins > 10_000) throw new IllegalArgumentException("bins must be 2..10000, not " + bins);
        LayerRef own = model.layer(layer.name());
        TensorRef t = own.weight();
        float[] w = model.fullPrecisionWeights(t);
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (float v : w)
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        if (!(max > min)) {
            min -= 1;
            max += 1;
        }
        double width = (max - min) / bins;
        long[] counts = new long[bins];
        for (float v : w)
            if (Float.isFinite(v)) counts[Math.min(bins - 1, (int) ((v - min) / width))]++;
        List<Double> centres = new ArrayList<>(), ys = new ArrayList<>();
        List<String> hover = new ArrayList<>();
        for (int i = 0; i < bins; i++) {
            centres.add(min + (i + 0.5) * width);
            ys.add((double) counts[i]);
            hover.add(String.format(Locale.ROOT, "%.4g .. %.4g: %d weights", min + i * width, min + (i + 1) * width, counts[i]));
        }
        Grid grid = grid(w, t, format);
        double lo = min - width, hi = max + width;
        List<Double> lines = grid.levels.stream().filter(v -> v >= lo && v <= hi).toList();
        String gridNote;
        if (lines.size() > MAX_LINES) {
            gridNote = lines.size() + " grid levels in range: too fine to draw";
            lines = List.of();
        } else {
            gridNote = lines.size() + " grid levels in range (" + grid.note + ")";
        }
        return Figure.builder("Weights of " + own.name() + " with the " + format + " grid")
                .x(Axis.linear("weight value"))
                .y(Axis.log("weights per bin"))
                .add(Trace.bars(own.name(), centres, ys, width).hover(hover).color(Palette.forKind(own.kind().label())).showLegend(false))
                .verticalLines(lines, Palette.GRID)
                .summary(String.format(Locale.ROOT, "%d weights from %.4g to %.4g in %d bins; %s.", w.length, min, max, bins, gridNote))
                .build();
    }

    record Grid(List<Double> levels, String note) {}

    /** The levels of the group with the largest scale; checked against that group's quantized values. */
    static Grid grid(float[] w, TensorRef t, Format format) {
        long[] shape = t.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) dims[i] = Math.toIntExact(shape[i]);
        Format fitted = WeightTransform.fitted(format, t);
        if (io.precis.engine.format.ggml.GgmlFormats.is(fitted)) {
            // llama.cpp's blocks each carry their own scale (and min): show the levels one block uses
            float[] q = fitted.fakeQuantize(w.clone(), dims.length == 0 ? new int[] {w.length} : dims);
            int block = ((io.precis.engine.format.Granularity.Blocks) fitted.granularity()).size();
            TreeSet<Double> used = new TreeSet<>();
            for (int i = 0; i < Math.min(block, q.length); i++) used.add((double) q[i]);
            return new Grid(List.copyOf(used), format.name() + ": levels used by the first block (each block has its own scale)");
        }
        Encoded e = fitted.encode(w.clone(), dims.length == 0 ? new int[] {w.length} : dims);
        float[] q = e.decode();
        if (e.groupCount() == 0 || format.granularity() instanceof io.precis.engine.format.Granularity.Unscaled) {
            TreeSet<Double> used = new TreeSet<>();
            for (float v : q) used.add((double) v);
            return new Grid(List.copyOf(used), "unscaled cast; levels used by this tensor");
        }
        int k = 0;
        for (int i = 1; i < e.groupCount(); i++) if (Math.abs(e.scale(i)) > Math.abs(e.scale(k))) k = i;
        double s = e.scale(k), z = e.zeroPoint(k);
        List<Double> levels = new ArrayList<>();
        switch (format.element()) {
            case Element.Int in -> {
                int n = in.bits();
                if (format.isSymmetric() || format.isMx()) {
                    int qmax = (1 << (n - 1)) - 1;
                    for (int c = -qmax; c <= qmax; c++) levels.add(c * s);
                } else {
                    for (int c = 0; c < (1 << n); c++) levels.add((c - z) * s);
                }
            }
            case Element.Float f -> {
                MiniFloat mf = f.type();
                TreeSet<Double> set = new TreeSet<>();
                for (int c = 0; c < (1 << mf.bits()) && mf.bits() <= 8; c++) {
                    float v = mf.decode(c);
                    if (Float.isFinite(v)) set.add(v * s);
                }
                levels.addAll(set);
            }
            case Element.Table tb -> {
                for (float v : tb.levels()) levels.add(v * s);
            }
        }
        String where = "scale group " + k + " of " + e.groupCount() + ", the widest; scale " + String.format(Locale.ROOT, "%.4g", s);
        if (!onGrid(e, q, k, levels)) {
            TreeSet<Double> used = new TreeSet<>();
            for (int i = 0; i < q.length; i++) used.add((double) q[i]);
            return new Grid(List.copyOf(used), "levels used by the whole tensor");
        }
        return new Grid(levels, e.groupCount() == 1 ? "one scale for the tensor" : where);
    }

    /** Whether the group's quantized values all lie on the computed levels (guards the level arithmetic). */
    private static boolean onGrid(Encoded e, float[] q, int group, List<Double> levels) {
        if (levels.isEmpty()) return false;
        double[] sorted = levels.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        // the largest quantized magnitudes belong to the widest group: they must be levels of its grid
        double maxAbs = 0;
        for (float v : q) maxAbs = Math.max(maxAbs, Math.abs(v));
        double tol = 1e-6 * Math.max(maxAbs, 1e-30);
        for (float v : q) {
            if (Math.abs(v) < maxAbs) continue; // the widest group holds the tensor's largest quantized magnitude
            int i = java.util.Arrays.binarySearch(sorted, v);
            if (i >= 0) continue;
            int ins = -i - 1;
            double d = Double.POSITIVE_INFINITY;
            if (ins < sorted.length) d = Math.min(d, Math.abs(sorted[ins] - v));
            if (ins > 0) d = Math.min(d, Math.abs(sorted[ins - 1] - v));
            if (d > tol) return false;
        }
        return true;
    }
}
