package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.magics.Magic;
import io.precis.magics.MagicContext;
import io.precis.magics.MagicException;

/** {@code %help [name]}: how cells work, or one magic's usage. */
public final class HelpMagic implements Magic {

    static final String OVERVIEW = """
            Precis — a Java kernel (JShell) for notebook-first quantization analysis.

            Cells
              Java          statements, expressions, imports, methods and classes, as in JShell.
                            The value of a cell's last expression is its result.
              %name args    a line magic, on a line of its own, anywhere in a cell.
              %%name args   a cell magic, on the first line; the rest of the cell is its body.
              name?         documentation of a class, method or variable (also Shift+Tab in JupyterLab).

            Showing things (from any Java cell)
              display(obj)                  rich output, e.g. a figure or a table; returns a handle
              display(content, "text/html") content of one MIME type
              handle.update(obj)            replaces what a handle shows, in place
              clearOutput()                 clears the cell's output

            Interrupt (the stop button) stops a running cell, tight loops included; a second interrupt
            restarts the Java execution JVM when the running code does not respond.

            Magics
            """;

    @Override public String name() { return "help"; }

    @Override public String summary() { return "this overview, or %help NAME for one magic's usage"; }

    @Override
    public String usage() {
        return "%help          how cells, display and magics work\n%help NAME     usage of the magic NAME (e.g. %help maven)";
    }

    @Override
    public MimeBundle line(String args, MagicContext ctx) throws MagicException {
        String name = args.strip().replaceFirst("^%+", "");
        if (name.isEmpty()) {
            return MimeBundle.text(OVERVIEW + ctx.registry().table());
        }
        Magic m = ctx.registry().find(name).orElseThrow(
                () -> new MagicException("no magic named %" + name + ". " + ctx.registry().known()));
        return MimeBundle.text(m.usage());
    }
}
