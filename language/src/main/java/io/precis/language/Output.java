package io.precis.language;

/**
 * Where the language's statements show their results while a cell runs. The kernel installs one that
 * renders each value (a plan, a table, a figure) into the one MIME bundle type, {@code io.precis.display.MimeBundle},
 * through its renderers, as {@code display(value)} does; without a kernel, results print as text.
 */
public interface Output {

    /** Shows a result richly (a plan, a table, a figure...). */
    void show(Object value);

    /** A line of text on the cell's output. */
    void text(String line);

    /** A warning: the cell goes on. */
    void warn(String message);

    /** Starts a progress display for long work; update it with done/total; close when finished. */
    Progress progress(String task, long total);

    /** A live progress display. */
    interface Progress extends AutoCloseable {
        void update(long done);

        @Override
        void close();
    }

    /** Plain text on System.out. */
    Output PLAIN = new Output() {
        @Override
        public void show(Object value) {
            System.out.println(value);
        }

        @Override
        public void text(String line) {
            System.out.println(line);
        }

        @Override
        public void warn(String message) {
            System.err.println("warning: " + message);
        }

        @Override
        public Progress progress(String task, long total) {
            return new Progress() {
                @Override
                public void update(long done) {
                }

                @Override
                public void close() {
                }
            };
        }
    };
}
