package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.magics.Magic;
import io.precis.magics.MagicContext;

/** {@code %lsmagic}: every magic with a one-line summary. */
public final class LsMagic implements Magic {
    @Override public String name() { return "lsmagic"; }

    @Override public String summary() { return "list every magic with a one-line summary"; }

    @Override
    public MimeBundle line(String args, MagicContext ctx) {
        return MimeBundle.text("Available magics (%name on a line of its own, %%name on a cell's first line):\n"
                + ctx.registry().table());
    }
}
