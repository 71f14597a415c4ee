package io.precis.language;

import io.precis.dsl.Completeness;
import java.util.List;
import java.util.Optional;

/**
 * The one interface between the kernel and the Precis language. The kernel's JVM asks the first five
 * methods (classify, is_complete, complete, inspect, run); running a cell sends its text once to the
 * execution JVM, where the last four run, reached through the kernel's {@link JavaHost}. Every method has an
 * answer for every input: a mistake in a cell is an {@link Outcome.Failed} with {@code line:col} and carets,
 * never an exception.
 *
 * <p>The path of a cell from one JVM to the other is described in {@code docs/ARCHITECTURE.md}.
 */
public interface CellLanguage {

    /** The language of this JVM, bound to {@link PrecisSession#current()}. */
    static CellLanguage precis() {
        return PrecisCells.CURRENT;
    }

    /** A language bound to a session of its own: the cell test kit runs cells in process against one. */
    static CellLanguage of(PrecisSession session) {
        return new PrecisCells(session);
    }

    /**
     * The longest cell the language runs, in characters (about 1 MB; some 100,000 short statements). Time and
     * memory grow linearly up to it; a longer cell is refused at once with a message naming the limit.
     */
    int MAX_CELL_CHARS = 1_000_000;

    // ---- kernel JVM ----

    /** Whether a cell (without {@code %%precis}) is in the language: its first word is a statement keyword. */
    boolean isLanguageCell(String code);

    /** Whether the source is ready to run, as a console asks on Enter. */
    Completeness isComplete(String source);

    /** Keywords, formats, settings, model/dataset/layer names and Java variables that fit at the cursor. */
    Completions complete(String source, int cursor, JavaHost host);

    /** Plain text about the word at the cursor: a layer's row of the layer table, a keyword's help, a format. */
    Optional<String> inspect(String source, int cursor, JavaHost host);

    /**
     * Runs a cell: checks its syntax and Java names here, sends it once ({@link JavaHost#sendCell}), then
     * runs its statements in order ({@link JavaHost#runStatements}, up to each {@code as name} at a time),
     * stopping at the first failure. A cell longer than {@link #MAX_CELL_CHARS} is refused before it is parsed.
     * {@code source} keeps the cell's line numbering; {@code cellId} identifies the notebook cell, so running
     * it again replaces its rules.
     */
    Outcome run(String source, String cellId, JavaHost host);

    // ---- execution JVM ----

    /** Where statements show their results (rich displays in a notebook; text by default). */
    void output(Output out);

    /** The cell whose statements come next (sent once per cell). */
    void receiveCell(CellText cell);

    /**
     * Runs statements {@code from..to-1} of the cell received last, in order; {@code values} are the Java values
     * of {@link CellText#names(int, int)} of that range, {@code javaNames} the session's Java names for
     * suggestions (or null).
     *
     * @return the last statement's result (what its {@code as name} binds), or null
     * @throws PrecisError a mistake, already formatted with its line, carets and suggestion
     */
    Object runStatements(int from, int to, Object[] values, String[] javaNames);

    /** Answers the kernel's completion and inspection: {@link Question#NAMES} of "layers", "models", "datasets"; {@link Question#LAYER}. */
    Object answer(Question question, String argument);

    /** What the kernel's JVM may ask the session in the execution JVM. */
    enum Question {
        /** Names of "layers" of the model in use, loaded "models", loaded "datasets": a {@code List<String>}. */
        NAMES,
        /** One layer as a row of the layer table: a String, or null. */
        LAYER
    }

    /** How a cell ended. */
    sealed interface Outcome {
        /** Every statement ran. */
        record Done() implements Outcome {}

        /** A mistake the language found before running the statement; {@code formatted} is the whole message. */
        record Failed(String ename, String formatted) implements Outcome {}

        /** A statement failed while running; the host has its error (as Java shows it, or a {@link PrecisError}). */
        record HostFailed() implements Outcome {}
    }

    /**
     * Completion matches, each once, with its kind ("keyword", "format", "model", "dataset", "layer", "variable",
     * "setting"), grouped by kind; {@code start..end} is the text they replace.
     */
    record Completions(List<Item> items, int start, int end) {
        public Completions {
            items = List.copyOf(items);
        }

        /** The matches' text in alphabetical order. */
        public List<String> sortedTexts() {
            return items.stream().map(Item::text).sorted().toList();
        }

        public record Item(String text, String type) {}
    }
}
