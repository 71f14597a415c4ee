package io.precis.engine.quant;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/** Runs chunks of work on a small shared pool of daemon threads plus the calling thread. */
final class Parallel {

    /** Below this many elements a tensor is processed on the calling thread alone. */
    static final int MIN_PARALLEL = 1 << 15;

    private static final ForkJoinPool POOL = new ForkJoinPool(
            Math.max(1, Runtime.getRuntime().availableProcessors() - 1),
            pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("precis-quant-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);

    private Parallel() {
    }

    /** Calls {@code body} for chunk 0..chunks-1, chunk 0 on the calling thread; rethrows the first failure. */
    static void run(int chunks, IntConsumer body) {
        if (chunks <= 1) {
            if (chunks == 1) {
                body.accept(0);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int chunk = c;
            futures.add(POOL.submit(() -> body.accept(chunk)));
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                if (failure != null) {
                    f.cancel(false);
                }
                f.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (CancellationException e) {
                // cancelled after an earlier failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                throw new CancellationException("quantization interrupted");
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Start of chunk {@code c} when splitting [0, n) into {@code chunks} near-equal parts. */
    static int start(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }
}
