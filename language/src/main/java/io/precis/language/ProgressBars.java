package io.precis.language;

import io.precis.engine.analysis.Progress;

/** The engine's progress steps as live progress displays, one per task. */
final class ProgressBars implements Progress {

    private final java.util.function.Supplier<Output> output;

    ProgressBars(java.util.function.Supplier<Output> output) {
        this.output = output;
    }

    private String task;
    private Output.Progress bar;

    @Override
    public synchronized void update(Step step) {
        if (bar == null || !step.task().equals(task)) {
            close();
            task = step.task();
            bar = output.get().progress(step.task(), step.total());
        }
        bar.update(step.done());
        if (step.done() >= step.total()) {
            close();
        }
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
            task = null;
        }
    }
}
