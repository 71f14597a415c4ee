package io.precis.magics;

import io.precis.display.MimeBundle;

/**
 * A notebook command: {@code %name args} on a line of its own, or {@code %%name args} as the first line
 * of a cell whose remaining lines are its body. Implementations are found through {@link java.util.ServiceLoader}.
 */
public interface Magic {

    /** The name without percent signs, e.g. {@code "time"}. */
    String name();

    /** One line for {@code %lsmagic} and completion. */
    String summary();

    /** Full usage text for {@code %help name}; defaults to the summary. */
    default String usage() {
        return summary();
    }

    /** Whether {@code %name} is accepted. */
    default boolean isLine() {
        return true;
    }

    /** Whether {@code %%name} is accepted. */
    default boolean isCell() {
        return false;
    }

    /**
     * Runs {@code %name args}.
     *
     * @return a MIME bundle to show as the cell's result, or {@code null}
     */
    default MimeBundle line(String args, MagicContext context) throws Exception {
        throw new MagicException("%" + name() + " is a cell magic: put %%" + name() + " on the first line of the cell");
    }

    /**
     * Runs {@code %%name args} with the rest of the cell as {@code body}.
     *
     * @return a MIME bundle to show as the cell's result, or {@code null}
     */
    default MimeBundle cell(String args, String body, MagicContext context) throws Exception {
        throw new MagicException("%%" + name() + " is not a cell magic: use %" + name() + " on a line of its own");
    }
}
