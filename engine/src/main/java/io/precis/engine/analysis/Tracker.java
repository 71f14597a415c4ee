package io.precis.engine.analysis;

/** Counts one task's model evaluations, reports them with an ETA, and turns an interrupt into an exception. */
final class Tracker {
    private final String task;
    private final long total;
    private final Progress progress;
    private final long start = System.nanoTime();
    private long done;

    Tracker(String task, long total, Progress progress) {
        this.task = task;
        this.total = total;
        this.progress = progress;
        progress.update(new Progress.Step(task, 0, total, 0, Double.NaN));
    }

    /** Throws if the thread was interrupted (consuming the flag); call between evaluations and batches. */
    void checkInterrupt() {
        if (Thread.interrupted()) throw new AnalysisInterruptedException(task, done, total);
    }

    void step() {
        done++;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / done * Math.max(0, total - done);
        progress.update(new Progress.Step(task, done, total, elapsed, eta));
    }

    long done() { return done; }
}
