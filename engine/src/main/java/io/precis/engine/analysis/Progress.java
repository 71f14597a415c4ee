package io.precis.engine.analysis;

import java.util.Locale;

/**
 * Where a long piece of work stands, reported after every model evaluation (the kernel turns it into a live
 * progress bar). Called on the working thread; keep it quick.
 */
@FunctionalInterface
public interface Progress {

    void update(Step step);

    /** Reports nothing. */
    Progress NONE = step -> {};

    /**
     * @param task what runs, e.g. {@code "sensitivity of 36 layers x 3 formats"}
     * @param done units finished (model evaluations)
     * @param total units in all
     * @param elapsedSeconds since the task started
     * @param etaSeconds estimated seconds left (from the mean time per unit so far), NaN before the first unit
     */
    record Step(String task, long done, long total, double elapsedSeconds, double etaSeconds) {

        public double fraction() {
            return total <= 0 ? 1 : Math.min(1, done / (double) total);
        }

        /** {@code sensitivity of 36 layers x 3 formats: 12/108 (11%), 3.1 s, about 25 s left}. */
        @Override
        public String toString() {
            String eta = Double.isNaN(etaSeconds) ? "" : ", about " + seconds(etaSeconds) + " left";
            return String.format(Locale.ROOT, "%s: %d/%d (%.0f%%), %s%s", task, done, total, 100 * fraction(), seconds(elapsedSeconds), eta);
        }

        static String seconds(double s) {
            if (s < 60) return String.format(Locale.ROOT, "%.1f s", s);
            return String.format(Locale.ROOT, "%d min %02d s", (long) s / 60, (long) s % 60);
        }
    }
}
