package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.magics.CellFailedException;
import io.precis.magics.Magic;
import io.precis.magics.MagicContext;
import java.util.Locale;

/** {@code %time code} and {@code %%time}: wall-clock and execution-JVM CPU time of running code once. */
public final class TimeMagic implements Magic {

    @Override public String name() { return "time"; }

    @Override public String summary() { return "time one run of a line (%time) or of the whole cell (%%time)"; }

    @Override
    public String usage() {
        return """
                %time CODE     runs CODE once and prints its wall time and the execution JVM's CPU time
                %%time         the same for the rest of the cell
                The code's result, if any, is the cell's result. Times include compiling the snippet.""";
    }

    @Override public boolean isCell() { return true; }

    @Override
    public MimeBundle line(String args, MagicContext ctx) throws CellFailedException {
        return timed(args, ctx);
    }

    @Override
    public MimeBundle cell(String args, String body, MagicContext ctx) throws CellFailedException {
        return timed(body, ctx);
    }

    private static MimeBundle timed(String code, MagicContext ctx) throws CellFailedException {
        long cpu0 = ctx.executionCpuNanos();
        long t0 = System.nanoTime();
        try {
            return ctx.execute(code);
        } finally {
            long wall = System.nanoTime() - t0;
            long cpu1 = ctx.executionCpuNanos();
            StringBuilder sb = new StringBuilder();
            if (cpu0 >= 0 && cpu1 >= 0) {
                sb.append("CPU time (execution JVM, all threads): ").append(format(cpu1 - cpu0)).append('\n');
            }
            sb.append("Wall time: ").append(format(wall)).append('\n');
            ctx.out().print(sb);
            ctx.out().flush();
        }
    }

    /** 812 ns, 3.41 µs, 12.3 ms, 1.52 s, 2 min 3 s — three significant digits like IPython. */
    static String format(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.3g µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.3g ms", nanos / 1e6);
        }
        if (nanos < 60_000_000_000L) {
            return String.format(Locale.ROOT, "%.3g s", nanos / 1e9);
        }
        long s = Math.round(nanos / 1e9);
        return (s / 60) + " min " + (s % 60) + " s";
    }
}
