package io.precis.magics.builtin;

import io.precis.magics.Magic;
import io.precis.magics.MagicContext;
import io.precis.magics.MimeData;

/** {@code %lsmagic}: every magic with a one-line summary. */
public final class LsMagic implements Magic {
    @Override public String name() { return "lsmagic"; }

    @Override public String summary() { return "list every magic with a one-line summary"; }

    @Override
    public MimeData line(String args, MagicContext ctx) {
        return MimeData.text("Available magics (%name on a line of its own, %%name on a cell's first line):\n"
                + ctx.registry().table());
    }
}
