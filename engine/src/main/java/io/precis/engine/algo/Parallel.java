package io.precis.engine.algo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/** Splits a row range into contiguous chunks, one per thread (multiples of {@code align}), and waits for all. */
final class Parallel {
    interface Range { void run(int from, int to); }

    private Parallel() {}

    static void rows(int n, int threads, int align, Range body) {
        int t = Math.max(1, Math.min(threads, (n + align - 1) / align));
        if (t == 1) {
            body.run(0, n);
            return;
        }
        // rows near the top of a triangle cost more: split by equal work would be better, equal rows is simple
        int per = ((n + t - 1) / t + align - 1) / align * align;
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 1; k < t; k++) {
            int from = k * per, to = Math.min(n, from + per);
            if (from < to) fs.add(ForkJoinPool.commonPool().submit(() -> body.run(from, to)));
        }
        body.run(0, Math.min(n, per));
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
