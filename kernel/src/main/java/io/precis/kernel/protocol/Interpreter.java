package io.precis.kernel.protocol;

import java.util.List;

/**
 * A language behind the Jupyter protocol. {@link KernelServer} calls every method but {@link #interrupt()} on
 * one thread, in request order; {@code interrupt} comes from the control thread while {@code execute} runs.
 * Every method has an answer for every input: the protocol promises a reply to each request.
 */
public interface Interpreter {

    /** Runs one cell. Output other than the result goes through {@link Cell#iopub()} while it runs. */
    ExecuteOutcome execute(Cell cell);

    /** Completion at a UTF-16 offset in {@code code}. */
    default Completion complete(String code, int cursor) {
        return Completion.none(cursor);
    }

    /** Documentation for what is at a UTF-16 offset. */
    default Inspection inspect(String code, int cursor, int detailLevel) {
        return Inspection.NOT_FOUND;
    }

    /** Whether {@code code} is ready to run, as a console asks before executing on Enter. */
    default Completeness isComplete(String code) {
        return Completeness.unknown();
    }

    /** Stops the running cell as soon as it can. */
    default void interrupt() {
    }

    /** Releases every resource; the kernel exits after this. */
    default void shutdown() {
    }

    /** Language name, version and file type, for {@code kernel_info_reply}. */
    LanguageInfo languageInfo();

    record LanguageInfo(String name, String version, String mimetype, String fileExtension,
                        String codemirrorMode, String pygmentsLexer, String banner) {}

    record Completion(List<String> matches, int cursorStart, int cursorEnd, List<CompletionItem> items) {
        public static Completion none(int cursor) {
            return new Completion(List.of(), cursor, cursor, List.of());
        }
    }

    /** One match with its kind ("method", "class", "variable", "keyword", "magic"...) and a signature if known. */
    record CompletionItem(String text, int start, int end, String type, String signature) {}

    record Inspection(boolean found, String plainText, String html) {
        public static final Inspection NOT_FOUND = new Inspection(false, "", "");
    }

    /** {@code status} is "complete", "incomplete", "invalid" or "unknown"; {@code indent} only for incomplete. */
    record Completeness(String status, String indent) {
        public static Completeness complete() { return new Completeness("complete", ""); }
        public static Completeness incomplete(String indent) { return new Completeness("incomplete", indent); }
        public static Completeness invalid() { return new Completeness("invalid", ""); }
        public static Completeness unknown() { return new Completeness("unknown", ""); }
    }
}
