package io.precis.engine.quant;

import io.precis.engine.format.Format;
import io.precis.engine.format.GroupLayout;
import io.precis.engine.format.MiniFloat;

import java.util.Arrays;

/**
 * One quantization of one tensor: walks the {@link GroupLayout}, takes statistics, chooses scales and runs the
 * kernel, split over threads by whole groups (or rows). Scales depend only on exact statistics and the shared
 * {@link ScalePolicy}, and random draws only on element indices, so the result is the same bits for any kernel,
 * any thread count and either storage.
 */
final class Job {

    /** Per-channel runs at least this long are processed run by run; shorter ones lane-wise. */
    static final int SEGMENT_MIN = 16;
    /** Lanes per tile when groups run along an outer axis (a tile of a block stays in L2). */
    static final int LANE_TILE = 256;

    private final GroupLayout layout;
    private final ElementOp op;
    private final ScalePolicy policy;
    private final QuantKernel kernel;
    private final int threads;
    private final Storage data;
    private float tensorScale = 1f;

    /** Scales (and zero points) of every group, plus the stored codes of block scales when encoding. */
    record Scales(float[] s, float[] z, int[] codes) {
    }

    Job(Format format, int[] shape, Storage data, QuantKernel kernel, int threads) {
        this.layout = GroupLayout.of(format, shape);
        if (layout.size() != data.size()) {
            throw new IllegalArgumentException(format + ": shape " + Arrays.toString(shape) + " has " + layout.size()
                    + " elements but the data holds " + data.size());
        }
        this.op = ElementOp.of(format);
        this.policy = new ScalePolicy(format, op);
        this.kernel = kernel;
        this.threads = threads;
        this.data = data;
    }

    GroupLayout layout() {
        return layout;
    }

    ElementOp op() {
        return op;
    }

    float tensorScale() {
        return tensorScale;
    }

    private int chunks(int units) {
        if (units <= 0) {
            return 0;
        }
        return layout.size() < Parallel.MIN_PARALLEL ? 1 : Math.min(threads, units);
    }

    // ---------------------------------------------------------------- fake quantization

    void fakeQuantize() {
        if (layout.size() == 0) {
            return;
        }
        switch (layout.kind()) {
            case UNSCALED -> elementwise(1f, 0f);
            case TENSOR -> {
                float[] sz = tensorGroupScale();
                elementwise(sz[0], sz[1]);
            }
            case ROWS -> {
                prepareTensorScale();
                rows(searchScales());
            }
            case CHANNELS -> channels(searchScales());
            case LANES -> {
                prepareTensorScale();
                lanes(searchScales());
            }
        }
    }

    private void prepareTensorScale() {
        if (policy.mode == ScalePolicy.Mode.NVFP4) {
            tensorScale = ScalePolicy.nvfp4TensorScale(absMaxAll(true));
        }
    }

    private void elementwise(float s, float z) {
        int n = layout.size();
        int ch = chunks(n);
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            int to = Parallel.start(n, ch, c + 1);
            for (int off = Parallel.start(n, ch, c); off < to; ) {
                int len = Math.min(cur.capacity(), to - off);
                int b = cur.load(off, len);
                kernel.quantize(op, cur.array, b, len, s, z, off);
                cur.store(off, len);
                off += len;
            }
        });
    }

    /** The one scale of a per-tensor format. */
    private float[] tensorGroupScale() {
        float[] out = new float[2];
        if (policy.search()) {
            searchTensor(out);
        } else if (policy.asymmetric()) {
            float[] mm = minMaxAll();
            policy.fromMinMax(mm[0], mm[1], out);
        } else {
            policy.fromAbsMax(absMaxAll(policy.finiteOnly()), tensorScale, out);
        }
        return out;
    }

    private float absMaxAll(boolean finiteOnly) {
        int n = layout.size();
        int ch = chunks(n);
        float[] part = new float[Math.max(ch, 1)];
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            float m = 0;
            int to = Parallel.start(n, ch, c + 1);
            for (int off = Parallel.start(n, ch, c); off < to; ) {
                int len = Math.min(cur.capacity(), to - off);
                m = Math.max(m, kernel.absMax(cur.array, cur.load(off, len), len, finiteOnly));
                off += len;
            }
            part[c] = m;
        });
        float m = 0;
        for (float p : part) {
            m = Math.max(m, p);
        }
        return m;
    }

    private float[] minMaxAll() {
        int n = layout.size();
        int ch = chunks(n);
        float[][] part = new float[Math.max(ch, 1)][];
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            int to = Parallel.start(n, ch, c + 1);
            for (int off = Parallel.start(n, ch, c); off < to; ) {
                int len = Math.min(cur.capacity(), to - off);
                kernel.minMax(cur.array, cur.load(off, len), len, mm);
                off += len;
            }
            part[c] = mm;
        });
        float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float[] p : part) {
            if (p != null) {
                mm[0] = Math.min(mm[0], p[0]);
                mm[1] = Math.max(mm[1], p[1]);
            }
        }
        return mm;
    }

    /** MSE or percentile over the whole tensor; MSE candidates run in parallel (each summed in order). */
    private void searchTensor(float[] out) {
        int[] runs = layout.runs(0);
        if (!(policy.rule instanceof io.precis.engine.format.ScaleRule.Mse mse)) {
            policy.search(data, runs, out);
            return;
        }
        float[] stats = policy.groupStats(data, runs);
        int steps = mse.steps();
        float[][] cand = new float[steps][2];
        double[] err = new double[steps];
        int ch = chunks(steps);
        Parallel.run(ch, c -> {
            for (int i = c; i < steps; i += ch) {
                policy.candidate(stats, mse.ratio(i), cand[i]);
                err[i] = policy.squaredError(data, runs, cand[i][0], cand[i][1]);
            }
        });
        double best = Double.POSITIVE_INFINITY;
        out[0] = 1f;
        out[1] = 0f;
        for (int i = 0; i < steps; i++) {
            if (err[i] < best) {
                best = err[i];
                out[0] = cand[i][0];
                out[1] = cand[i][1];
            }
        }
    }

    /** Scales of every group by a search rule, or null when scales come from statistics on the fly. */
    private Scales searchScales() {
        if (!policy.search()) {
            return null;
        }
        int g = layout.groupCount();
        float[] s = new float[g];
        float[] z = policy.asymmetric() ? new float[g] : null;
        int ch = chunks(g);
        Parallel.run(ch, c -> {
            float[] out = new float[2];
            int to = Parallel.start(g, ch, c + 1);
            for (int k = Parallel.start(g, ch, c); k < to; k++) {
                policy.search(data, layout.runs(k), out);
                s[k] = out[0];
                if (z != null) {
                    z[k] = out[1];
                }
            }
        });
        return new Scales(s, z, null);
    }

    // ---------------------------------------------------------------- ROWS: contiguous groups

    private int groupStart(int k) {
        int nb = layout.groupsPerRow();
        return (k / nb) * layout.dim() + (k % nb) * layout.groupSize();
    }

    private int groupLength(int k) {
        int b = k % layout.groupsPerRow();
        return Math.min(layout.groupSize(), layout.dim() - b * layout.groupSize());
    }

    private void rows(Scales known) {
        int g = layout.groupCount();
        int ch = chunks(g);
        Parallel.run(ch, c -> rowsChunk(Parallel.start(g, ch, c), Parallel.start(g, ch, c + 1), known));
    }

    /** Groups handed to the kernel at once: about 16 KiB of values, so the second pass finds them in L1. */
    private int batch() {
        return Math.max(1, 4096 / Math.max(1, layout.groupSize()));
    }

    private void rowsChunk(int g0, int g1, Scales known) {
        Storage.Cursor cur = data.cursor();
        int nb = layout.groupsPerRow();
        int batch = batch();
        float[] statA = new float[batch];
        float[] statB = new float[batch];
        float[] sLoc = new float[batch];
        float[] zLoc = new float[batch];
        boolean[] inRange = new boolean[batch];
        float[] tmp = new float[2];
        int k = g0;
        while (k < g1) {
            int start = groupStart(k);
            int end = start + groupLength(k);
            int k2 = k + 1;
            // consecutive groups are adjacent in memory: take as many whole groups as one load holds
            while (k2 < g1 && groupStart(k2) + groupLength(k2) - start <= cur.capacity()) {
                end = groupStart(k2) + groupLength(k2);
                k2++;
            }
            if (end - start <= cur.capacity()) {
                int base = cur.load(start, end - start);
                // batches of groups from one row: all of one size but for a row's last, which ends the batch
                for (int q = k; q < k2; ) {
                    int qEnd = Math.min(Math.min(k2, (q / nb + 1) * nb), q + batch);
                    int from = groupStart(q);
                    int to = groupStart(qEnd - 1) + groupLength(qEnd - 1);
                    quantizeBatch(cur.array, base + from - start, to - from, from, q, qEnd - q, known,
                            statA, statB, sLoc, zLoc, inRange, tmp);
                    q = qEnd;
                }
                cur.store(start, end - start);
                k = k2;
            } else {
                streamGroup(cur, k, known, tmp);
                k++;
            }
        }
    }

    /** Statistics, scales and quantization of {@code count} consecutive groups of one row, in three calls. */
    private void quantizeBatch(float[] a, int off, int len, int index, int k0, int count, Scales known,
                               float[] statA, float[] statB, float[] sLoc, float[] zLoc, boolean[] inRange,
                               float[] tmp) {
        int g = layout.groupSize();
        if (known != null) {
            kernel.quantizeGroups(op, a, off, len, g, known.s, known.z, k0, index, null);
            return;
        }
        if (policy.asymmetric()) {
            kernel.minMaxGroups(a, off, len, g, statA, statB, 0);
            for (int b = 0; b < count; b++) {
                policy.fromMinMax(statA[b], statB[b], tmp);
                sLoc[b] = tmp[0];
                zLoc[b] = tmp[1];
            }
            kernel.quantizeGroups(op, a, off, len, g, sLoc, zLoc, 0, index, null);
        } else {
            // raw maxima (cheapest); a group holding an infinity or NaN takes its finite maximum again
            kernel.absMaxGroups(a, off, len, g, false, statA, 0);
            boolean symmetricInt = policy.mode == ScalePolicy.Mode.INT_SYM;
            for (int b = 0; b < count; b++) {
                float amax = statA[b];
                boolean finite = amax < Float.POSITIVE_INFINITY;
                if (!finite && policy.finiteOnly()) {
                    int from = b * g;
                    amax = kernel.absMax(a, off + from, Math.min(g, len - from), true);
                }
                policy.fromAbsMax(amax, tensorScale, tmp);
                sLoc[b] = tmp[0];
                // every |x| <= amax, so |x / s| <= amax / s: below qmax + 1/2 nothing needs clamping
                inRange[b] = symmetricInt && finite && amax / tmp[0] < op.qmax + 0.5f;
            }
            kernel.quantizeGroups(op, a, off, len, g, sLoc, null, 0, index, inRange);
        }
    }

    /** A group longer than one load (buffers only): statistics window by window, then quantization. */
    private void streamGroup(Storage.Cursor cur, int k, Scales known, float[] tmp) {
        int start = groupStart(k);
        int end = start + groupLength(k);
        if (known != null) {
            tmp[0] = known.s[k];
            tmp[1] = known.z == null ? 0f : known.z[k];
        } else {
            float amax = 0;
            float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int off = start; off < end; ) {
                int len = Math.min(cur.capacity(), end - off);
                int b = cur.load(off, len);
                if (policy.asymmetric()) {
                    kernel.minMax(cur.array, b, len, mm);
                } else {
                    amax = Math.max(amax, kernel.absMax(cur.array, b, len, policy.finiteOnly()));
                }
                off += len;
            }
            if (policy.asymmetric()) {
                policy.fromMinMax(mm[0], mm[1], tmp);
            } else {
                policy.fromAbsMax(amax, tensorScale, tmp);
            }
        }
        for (int off = start; off < end; ) {
            int len = Math.min(cur.capacity(), end - off);
            int b = cur.load(off, len);
            kernel.quantize(op, cur.array, b, len, tmp[0], tmp[1], off);
            cur.store(off, len);
            off += len;
        }
    }

    // ---------------------------------------------------------------- CHANNELS: one scale per index of an axis

    private void channels(Scales known) {
        int outer = layout.outer();
        int dim = layout.dim();
        int inner = layout.inner();
        int rowLen = dim * inner;
        boolean segments = inner >= SEGMENT_MIN;
        boolean asym = policy.asymmetric();
        Scales sc = known != null ? known : channelStats(segments);

        float[] laneS = sc.s;
        float[] laneZ = sc.z;
        if (!segments && inner > 1) {
            // per-lane scales along one row of the tensor (dim * inner values, never the whole tensor)
            laneS = new float[rowLen];
            laneZ = asym ? new float[rowLen] : null;
            for (int p = 0; p < rowLen; p++) {
                laneS[p] = sc.s[p / inner];
                if (asym) {
                    laneZ[p] = sc.z[p / inner];
                }
            }
        }
        float[] ls = laneS;
        float[] lz = laneZ;
        int ch = chunks(outer);
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            int o1 = Parallel.start(outer, ch, c + 1);
            for (int o = Parallel.start(outer, ch, c); o < o1; o++) {
                int rowStart = o * rowLen;
                for (int p = 0; p < rowLen; ) {
                    int len = Math.min(cur.capacity(), rowLen - p);
                    int b = cur.load(rowStart + p, len);
                    if (segments) {
                        for (int q = p; q < p + len; ) {
                            int channel = q / inner;
                            int end = Math.min(p + len, (channel + 1) * inner);
                            kernel.quantize(op, cur.array, b + q - p, end - q, sc.s[channel],
                                    asym ? sc.z[channel] : 0f, rowStart + q);
                            q = end;
                        }
                    } else {
                        kernel.quantizeLanes(op, cur.array, b, len, ls, lz, p, rowStart + p);
                    }
                    cur.store(rowStart + p, len);
                    p += len;
                }
            }
        });
    }

    /** Finite statistics per channel in one pass (per-thread partials folded exactly), then scales. */
    private Scales channelStats(boolean segments) {
        int outer = layout.outer();
        int dim = layout.dim();
        int inner = layout.inner();
        int rowLen = dim * inner;
        boolean asym = policy.asymmetric();
        int ch = chunks(outer);
        float[][] partA = new float[ch][];
        float[][] partB = new float[ch][];
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            // lane accumulators span one row; with inner == 1 (or in segment mode) they are per channel
            int accLen = segments ? dim : rowLen;
            float[] a = new float[accLen];
            float[] bm = asym ? new float[accLen] : null;
            if (asym) {
                Arrays.fill(a, Float.POSITIVE_INFINITY);
                Arrays.fill(bm, Float.NEGATIVE_INFINITY);
            }
            float[] mm = new float[2];
            int o1 = Parallel.start(outer, ch, c + 1);
            for (int o = Parallel.start(outer, ch, c); o < o1; o++) {
                int rowStart = o * rowLen;
                for (int p = 0; p < rowLen; ) {
                    int len = Math.min(cur.capacity(), rowLen - p);
                    int b = cur.load(rowStart + p, len);
                    if (segments) {
                        for (int q = p; q < p + len; ) {
                            int channel = q / inner;
                            int end = Math.min(p + len, (channel + 1) * inner);
                            if (asym) {
                                mm[0] = a[channel];
                                mm[1] = bm[channel];
                                kernel.minMax(cur.array, b + q - p, end - q, mm);
                                a[channel] = mm[0];
                                bm[channel] = mm[1];
                            } else {
                                a[channel] = Math.max(a[channel], kernel.absMax(cur.array, b + q - p, end - q, true));
                            }
                            q = end;
                        }
                    } else if (asym) {
                        kernel.minMaxLanes(cur.array, b, len, a, bm, p);
                    } else {
                        kernel.absMaxLanes(cur.array, b, len, a, p, true);
                    }
                    p += len;
                }
            }
            if (!segments && inner > 1) {
                float[] ca = new float[dim];
                float[] cb = asym ? new float[dim] : null;
                for (int channel = 0; channel < dim; channel++) {
                    float x = asym ? Float.POSITIVE_INFINITY : 0f;
                    float y = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < inner; i++) {
                        int p = channel * inner + i;
                        x = asym ? Math.min(x, a[p]) : Math.max(x, a[p]);
                        if (asym) {
                            y = Math.max(y, bm[p]);
                        }
                    }
                    ca[channel] = x;
                    if (asym) {
                        cb[channel] = y;
                    }
                }
                a = ca;
                bm = cb;
            }
            partA[c] = a;
            partB[c] = bm;
        });
        float[] s = new float[dim];
        float[] z = asym ? new float[dim] : null;
        float[] tmp = new float[2];
        for (int channel = 0; channel < dim; channel++) {
            if (asym) {
                float mn = Float.POSITIVE_INFINITY;
                float mx = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < ch; c++) {
                    mn = Math.min(mn, partA[c][channel]);
                    mx = Math.max(mx, partB[c][channel]);
                }
                policy.fromMinMax(mn, mx, tmp);
                z[channel] = tmp[1];
            } else {
                float amax = 0;
                for (int c = 0; c < ch; c++) {
                    amax = Math.max(amax, partA[c][channel]);
                }
                policy.fromAbsMax(amax, tensorScale, tmp);
            }
            s[channel] = tmp[0];
        }
        return new Scales(s, z, null);
    }

    // ---------------------------------------------------------------- LANES: groups along an outer axis

    private void lanes(Scales known) {
        int dim = layout.dim();
        int inner = layout.inner();
        int g = layout.groupSize();
        int nb = layout.groupsPerRow();
        int width = Math.min(inner, LANE_TILE);
        int tiles = (inner + width - 1) / width;
        int units = layout.outer() * nb * tiles;
        boolean asym = policy.asymmetric();
        int ch = chunks(units);
        Parallel.run(ch, c -> {
            Storage.Cursor cur = data.cursor();
            float[] accA = new float[width];
            float[] accB = asym ? new float[width] : null;
            float[] sLoc = new float[width];
            float[] zLoc = asym ? new float[width] : null;
            float[] tmp = new float[2];
            int u1 = Parallel.start(units, ch, c + 1);
            for (int u = Parallel.start(units, ch, c); u < u1; u++) {
                int t = u % tiles;
                int ob = u / tiles;
                int o = ob / nb;
                int b = ob % nb;
                int i0 = t * width;
                int w = Math.min(width, inner - i0);
                int j0 = b * g;
                int j1 = Math.min(dim, j0 + g);
                float[] sArr;
                float[] zArr;
                int sOff;
                if (known != null) {
                    sArr = known.s;
                    zArr = known.z;
                    sOff = ob * inner + i0;
                } else {
                    if (asym) {
                        Arrays.fill(accA, Float.POSITIVE_INFINITY);
                        Arrays.fill(accB, Float.NEGATIVE_INFINITY);
                    } else {
                        Arrays.fill(accA, 0f);
                    }
                    for (int j = j0; j < j1; j++) {
                        int e = (o * dim + j) * inner + i0;
                        int base = cur.load(e, w);
                        if (asym) {
                            kernel.minMaxLanes(cur.array, base, w, accA, accB, 0);
                        } else {
                            kernel.absMaxLanes(cur.array, base, w, accA, 0, policy.finiteOnly());
                        }
                    }
                    for (int i = 0; i < w; i++) {
                        if (asym) {
                            policy.fromMinMax(accA[i], accB[i], tmp);
                            zLoc[i] = tmp[1];
                        } else {
                            policy.fromAbsMax(accA[i], tensorScale, tmp);
                        }
                        sLoc[i] = tmp[0];
                    }
                    sArr = sLoc;
                    zArr = zLoc;
                    sOff = 0;
                }
                for (int j = j0; j < j1; j++) {
                    int e = (o * dim + j) * inner + i0;
                    int base = cur.load(e, w);
                    kernel.quantizeLanes(op, cur.array, base, w, sArr, zArr, sOff, e);
                    cur.store(e, w);
                }
            }
        });
    }

    // ---------------------------------------------------------------- encoding

    /** Scales, zero points and block-scale codes of every group, by the same rules as fake quantization. */
    Scales allScales() {
        int g = layout.groupCount();
        if (layout.kind() == GroupLayout.Kind.UNSCALED || layout.size() == 0) {
            return new Scales(new float[0], null, null);
        }
        if (layout.kind() == GroupLayout.Kind.TENSOR) {
            float[] sz = tensorGroupScale();
            return new Scales(new float[] {sz[0]}, policy.asymmetric() ? new float[] {sz[1]} : null, null);
        }
        prepareTensorScale();
        Scales searched = searchScales();
        if (searched != null) {
            return searched;
        }
        float[] s = new float[g];
        float[] z = policy.asymmetric() ? new float[g] : null;
        boolean block = policy.mode == ScalePolicy.Mode.MX || policy.mode == ScalePolicy.Mode.NVFP4;
        int[] codes = block ? new int[g] : null;
        int ch = chunks(g);
        Parallel.run(ch, c -> {
            float[] tmp = new float[2];
            int to = Parallel.start(g, ch, c + 1);
            for (int k = Parallel.start(g, ch, c); k < to; k++) {
                int[] runs = layout.runs(k);
                if (policy.asymmetric()) {
                    float[] mm = policy.groupStats(data, runs);
                    policy.fromMinMax(mm[0], mm[1], tmp);
                    z[k] = tmp[1];
                } else {
                    float amax = policy.finiteOnly() ? policy.groupStats(data, runs)[0] : rawAbsMax(runs);
                    policy.fromAbsMax(amax, tensorScale, tmp);
                    if (policy.mode == ScalePolicy.Mode.MX) {
                        int e = policy.mxExponent(amax);
                        codes[k] = e == Integer.MIN_VALUE ? 0xFF : e + 127;
                    } else if (policy.mode == ScalePolicy.Mode.NVFP4) {
                        codes[k] = MiniFloat.E4M3.codeOf(policy.nvfp4BlockScale(amax, tensorScale));
                    }
                }
                s[k] = tmp[0];
            }
        });
        return new Scales(s, z, codes);
    }

    /** Largest |x| of a group with NaN and infinity propagating (the MX rule). */
    private float rawAbsMax(int[] runs) {
        float m = 0;
        for (int r = 0; r < runs[1]; r++) {
            int start = runs[0] + r * runs[2];
            for (int j = 0; j < runs[3]; j++) {
                m = Math.max(m, Math.abs(data.get(start + j)));
            }
        }
        return m;
    }

    /** Runs {@code body(k, runs)} for every group in parallel (encoding and decoding walk groups this way). */
    void forEachGroup(GroupVisitor body) {
        int g = layout.groupCount();
        int ch = chunks(g);
        Parallel.run(ch, c -> {
            int to = Parallel.start(g, ch, c + 1);
            for (int k = Parallel.start(g, ch, c); k < to; k++) {
                body.visit(k, layout.runs(k));
            }
        });
    }

    interface GroupVisitor {
        void visit(int k, int[] runs);
    }
}
