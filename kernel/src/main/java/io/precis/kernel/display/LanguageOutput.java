package io.precis.kernel.display;

import io.precis.display.MimeBundle;
import io.precis.language.Output;
import java.util.Locale;

/** How the quantization language shows things in a notebook: rich displays and a live progress bar. */
public final class LanguageOutput implements Output {

    private static final long MIN_UPDATE_NANOS = 100_000_000L;

    @Override
    public void show(Object value) {
        Display.display(value);
    }

    @Override
    public void text(String line) {
        System.out.println(line);
    }

    @Override
    public void warn(String message) {
        System.err.println(message);
    }

    @Override
    public Progress progress(String task, long total) {
        long start = System.nanoTime();
        DisplayHandle handle = Display.display(bar(task, 0, total, start, false));
        return new Progress() {
            private long last = start;

            @Override
            public void update(long done) {
                long now = System.nanoTime();
                if (now - last >= MIN_UPDATE_NANOS || done >= total) {
                    last = now;
                    handle.update(bar(task, done, total, start, false));
                }
            }

            @Override
            public void close() {
                handle.update(bar(task, total, total, start, true));
            }
        };
    }

    /** "sensitivity: 12 of 36 (33%), about 14 s left" as text and as an HTML progress bar. */
    static MimeBundle bar(String task, long done, long total, long startNanos, boolean finished) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String state;
        if (finished) {
            state = String.format(Locale.ROOT, "done in %s", seconds(elapsed));
        } else if (done > 0 && total > 0) {
            state = String.format(Locale.ROOT, "%d of %d (%d%%), about %s left", done, total, 100 * done / total,
                    seconds(elapsed / done * (total - done)));
        } else {
            state = total > 0 ? "0 of " + total : "starting";
        }
        String text = task + ": " + state;
        String html = "<div class=\"precis-progress\"><progress value=\"" + done + "\" max=\"" + Math.max(1, total)
                + "\" style=\"width:20em;vertical-align:middle\"></progress> <span>" + io.precis.engine.figure.Html.escape(text) + "</span></div>";
        return MimeBundle.of("text/html", html).with("text/plain", text);
    }

    private static String seconds(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long t = Math.round(s);
        return (t / 60) + " min " + (t % 60) + " s";
    }
}
