package io.precis.magics;

import io.precis.display.MimeBundle;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** What the kernel lends a running magic. */
public interface MagicContext {

    /** Text for the cell's stdout stream. */
    PrintStream out();

    /** Text for the cell's stderr stream. */
    PrintStream err();

    /** Shows a rich output now (a {@code display_data} message). */
    void display(MimeBundle bundle);

    /**
     * Runs code as if it were a cell of its own (magics included), e.g. for {@code %time}.
     *
     * @return the code's result bundle, or {@code null} when it had none
     * @throws CellFailedException when the code failed; its error was already shown
     */
    MimeBundle execute(String code) throws CellFailedException;

    /**
     * Runs source in the Precis quantization language (whatever its first word), as {@code %%precis} does.
     *
     * @throws CellFailedException when a statement failed; its error was already shown
     */
    MimeBundle executePrecis(String source) throws CellFailedException;

    /** Adds jars or class folders to the Java cells' classpath (compiler and execution JVM). */
    void addToClasspath(List<Path> entries) throws MagicException;

    /** The Java cells' classpath entries added so far in this session, in order. */
    List<Path> addedClasspath();

    /** Every magic the kernel knows. */
    MagicRegistry registry();

    /** CPU time of the process that runs Java cells, in nanoseconds, or -1 when unknown. */
    default long executionCpuNanos() {
        return -1;
    }
}
