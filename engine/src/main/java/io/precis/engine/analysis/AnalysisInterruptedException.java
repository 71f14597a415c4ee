package io.precis.engine.analysis;

/**
 * Thrown when the working thread was interrupted during an analysis. By the time it is thrown every swapped
 * layer is back at its original bits; the thread's interrupt flag has been consumed (this exception is the signal).
 */
public final class AnalysisInterruptedException extends RuntimeException {
    private final long done;
    private final long total;

    AnalysisInterruptedException(String task, long done, long total) {
        super("interrupted: " + task + " stopped after " + done + " of " + total
                + " model evaluations; the model's weights are restored", new InterruptedException());
        this.done = done;
        this.total = total;
    }

    /** Model evaluations finished before the interrupt. */
    public long done() { return done; }

    public long total() { return total; }
}
