package io.precis.kernel.cells;

import io.precis.display.MimeBundle;
import io.precis.dsl.CellClassifier;
import io.precis.kernel.java.JavaCells;
import io.precis.kernel.protocol.Cell;
import io.precis.kernel.protocol.ExecuteOutcome;
import io.precis.kernel.protocol.Interpreter;
import io.precis.kernel.protocol.Iopub;
import io.precis.magics.CellFailedException;
import io.precis.magics.Magic;
import io.precis.magics.MagicCall;
import io.precis.magics.MagicContext;
import io.precis.magics.MagicException;
import io.precis.magics.MagicRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides what each part of a cell is and runs it: a {@code %%name} cell magic, {@code name?} help,
 * line magics ({@code %name args} on lines of their own) between runs of Java, or a cell of the Precis
 * language (through {@link io.precis.language.CellLanguage}). Magics are the router's own.
 */
public final class CellRouter implements Interpreter {

    private static final Pattern HELP = Pattern.compile("^\\s*(?:\\?\\s*([\\w.$]+)|([\\w.$]+)\\s*\\?)\\s*$");

    private final JavaCells java;
    private final LanguageCells language;
    private final MagicRegistry magics;
    private final IntSupplier executionCount;
    private final String banner;
    private volatile Thread magicThread;
    private ExecuteOutcome.Failed innerFailure;
    private String cellId;

    public CellRouter(JavaCells java, MagicRegistry magics, IntSupplier executionCount, String banner) {
        this.java = java;
        this.language = new LanguageCells(java, io.precis.language.CellLanguage.precis());
        this.magics = magics;
        this.executionCount = executionCount;
        this.banner = banner;
    }

    @Override
    public LanguageInfo languageInfo() {
        return new LanguageInfo("java", Runtime.version().toString().replaceFirst("\\+.*", ""), "text/x-java", ".java",
                "java", "java", banner);
    }

    // ---- execute ------------------------------------------------------------------------------------

    @Override
    public ExecuteOutcome execute(Cell cell) {
        java.clearInterrupt();
        java.setCellNumber(executionCount.getAsInt());
        cellId = cell.cellId();
        return run(cell.code(), cell.iopub());
    }

    private ExecuteOutcome run(String code, Iopub iopub) {
        if (code.isBlank()) {
            return ExecuteOutcome.Ok.nothing();
        }
        Matcher help = HELP.matcher(code);
        if (help.matches()) {
            return page(help.group(1) != null ? help.group(1) : help.group(2), iopub);
        }
        var cellMagic = MagicCall.parseCell(code);
        if (cellMagic.isPresent()) {
            MagicCall call = cellMagic.get();
            return runMagic(call, iopub);
        }
        if (language.isLanguageCell(code)) {
            return language.run(code, cellId);
        }
        ExecuteOutcome last = ExecuteOutcome.Ok.nothing();
        for (Segment seg : segments(code)) {
            last = seg.magic() != null ? runMagic(seg.magic(), iopub) : java.run(seg.text(), seg.firstLine());
            if (last instanceof ExecuteOutcome.Failed f) {
                return f.ename().equals("CompilationException") ? withLanguageHint(f, code) : f;
            }
        }
        return last;
    }

    /** Java that fails to compile because a line of it is the quantization language gets told so. */
    private static ExecuteOutcome withLanguageHint(ExecuteOutcome.Failed f, String code) {
        String[] lines = code.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank() && CellClassifier.isDsl(lines[i])) {
                return hint(f, "Line " + (i + 1) + " is in the Precis language. A cell is either Java or Precis: put '"
                        + lines[i].strip() + "' in a cell of its own (or start that cell with %%precis).");
            }
        }
        // A misspelt statement keyword makes the cell Java: say what it probably was (comments before it skipped).
        var keyword = CellClassifier.misspeltStatement(code);
        if (keyword.isPresent()) {
            String first = CellClassifier.firstWord(code);
            return hint(f, "'" + first + "' is not Java here. Did you mean the Precis statement '" + keyword.get() + "'?");
        }
        return f;
    }

    private static ExecuteOutcome.Failed hint(ExecuteOutcome.Failed f, String line) {
        List<String> tb = new ArrayList<>(f.traceback());
        tb.add(line);
        return new ExecuteOutcome.Failed(f.ename(), f.evalue(), tb);
    }

    private boolean isLanguage(String code) {
        return language.isLanguageCell(code) || MagicCall.parseCell(code).map(c -> c.name().equals("precis")).orElse(false);
    }

    private static String languageSource(String code) {
        var call = MagicCall.parseCell(code);
        if (call.isPresent() && call.get().name().equals("precis")) {
            int nl = code.indexOf('\n');
            return nl < 0 ? " ".repeat(code.length()) : " ".repeat(nl) + code.substring(nl);
        }
        return code;
    }

    /** A run of Java lines, or one line magic. */
    record Segment(String text, int firstLine, MagicCall magic) {}

    /**
     * Cuts a cell at its line magics. A line that starts with {@code %name} is a magic unless the Java
     * before it is still incomplete: then it continues a Java expression ({@code a\n% b} is a remainder).
     */
    List<Segment> segments(String code) {
        List<Segment> out = new ArrayList<>();
        String[] lines = code.split("\n", -1);
        StringBuilder javaText = new StringBuilder();
        int javaStart = 1;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            var call = MagicCall.parseLine(line);
            if (call.isPresent() && (javaText.toString().isBlank() || javaIsComplete(javaText.toString()))) {
                if (!javaText.toString().isBlank()) {
                    out.add(new Segment(javaText.toString(), javaStart, null));
                }
                out.add(new Segment(line, i + 1, call.get()));
                javaText.setLength(0);
                javaStart = i + 2;
            } else {
                if (javaText.isEmpty()) {
                    javaStart = i + 1;
                }
                javaText.append(line).append('\n');
            }
        }
        if (!javaText.toString().isBlank()) {
            out.add(new Segment(javaText.toString(), javaStart, null));
        }
        return out;
    }

    private boolean javaIsComplete(String javaSoFar) {
        Completeness c = java.isComplete(javaSoFar);
        return !c.status().equals("incomplete");
    }

    private ExecuteOutcome runMagic(MagicCall call, Iopub iopub) {
        Context ctx = new Context(iopub);
        magicThread = Thread.currentThread();
        try {
            Magic magic = magics.require(call.name(), call.isCell());
            MimeBundle result = call.isCell() ? magic.cell(call.args(), call.body(), ctx) : magic.line(call.args(), ctx);
            ctx.flush();
            return result == null ? ExecuteOutcome.Ok.nothing() : ExecuteOutcome.Ok.of(result);
        } catch (CellFailedException e) {
            ctx.flush();
            ExecuteOutcome.Failed f = innerFailure;
            innerFailure = null;
            return f != null ? f : failed("CellFailed", e.getMessage());
        } catch (MagicException e) {
            ctx.flush();
            return failed("UsageError", e.getMessage());
        } catch (InterruptedException e) {
            Thread.interrupted();
            ctx.flush();
            return failed("Interrupted", "the cell was interrupted");
        } catch (Exception e) {
            ctx.flush();
            if (Thread.interrupted() || java.wasInterrupted()) {
                return failed("Interrupted", "the cell was interrupted");
            }
            return failed("MagicError", "%" + call.name() + " failed: " + e);
        } finally {
            magicThread = null;
            Thread.interrupted();
        }
    }

    private ExecuteOutcome page(String name, Iopub iopub) {
        Inspection doc = java.inspect(name, name.length());
        if (!doc.found()) {
            iopub.stream("stdout", "No documentation found for " + name + "\n");
            return ExecuteOutcome.Ok.nothing();
        }
        MimeBundle page = MimeBundle.text(doc.plainText());
        if (!doc.html().isEmpty()) {
            page.with("text/html", doc.html());
        }
        return new ExecuteOutcome.Ok(null, List.of(new ExecuteOutcome.Payload(page)));
    }

    private static ExecuteOutcome.Failed failed(String ename, String message) {
        return new ExecuteOutcome.Failed(ename, message, List.of("\u001b[0;31m" + ename + "\u001b[0m: " + message));
    }

    @Override
    public void interrupt() {
        java.interrupt();
        Thread t = magicThread;
        if (t != null) {
            t.interrupt();
        }
    }

    // ---- completion, inspection, completeness -------------------------------------------------------

    @Override
    public Completion complete(String code, int cursor) {
        int lineStart = code.lastIndexOf('\n', Math.max(0, cursor - 1)) + 1;
        if (cursor == 0) {
            lineStart = 0;
        }
        String before = code.substring(lineStart, cursor);
        Matcher m = Pattern.compile("^\\s*(%%?)([\\w.-]*)$").matcher(before);
        if (m.matches()) {
            boolean cell = m.group(1).equals("%%");
            List<String> names = magics.complete(m.group(2), cell);
            int start = cursor - m.group(2).length() - m.group(1).length();
            List<String> matches = names.stream().map(n -> m.group(1) + n).toList();
            List<CompletionItem> items = matches.stream().map(n -> new CompletionItem(n, start, cursor, "magic", null)).toList();
            return new Completion(matches, start, cursor, items);
        }
        if (isLanguage(code)) {
            return language.complete(languageSource(code), cursor);
        }
        return java.complete(maskMagics(code), cursor);
    }

    @Override
    public Inspection inspect(String code, int cursor, int detailLevel) {
        if (isLanguage(code)) {
            return language.inspect(languageSource(code), cursor);
        }
        return java.inspect(maskMagics(code), cursor);
    }

    @Override
    public Completeness isComplete(String code) {
        if (isLanguage(code)) {
            return language.isComplete(languageSource(code));
        }
        if (MagicCall.parseCell(code).isPresent()) {
            return Completeness.complete();
        }
        String javaPart = maskMagics(code);
        return javaPart.isBlank() ? Completeness.complete() : java.isComplete(javaPart);
    }

    /** The cell with its magic lines blanked, so Java analysis sees Java and offsets stay the same. */
    private String maskMagics(String code) {
        if (MagicCall.parseCell(code).isPresent()) {
            return " ".repeat(code.length());
        }
        String[] lines = code.split("\n", -1);
        StringBuilder sb = new StringBuilder(code.length());
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(MagicCall.looksLikeMagic(lines[i]) ? " ".repeat(lines[i].length()) : lines[i]);
        }
        return sb.toString();
    }

    @Override
    public void shutdown() {
        java.shutdown();
    }

    /** What a magic may do, backed by this router and the cell's IOPub. */
    private final class Context implements MagicContext {
        private final Iopub iopub;
        private final PrintStream out;
        private final PrintStream err;

        Context(Iopub iopub) {
            this.iopub = iopub;
            this.out = new PrintStream(new StreamSink(t -> iopub.stream("stdout", t)), true, StandardCharsets.UTF_8);
            this.err = new PrintStream(new StreamSink(t -> iopub.stream("stderr", t)), true, StandardCharsets.UTF_8);
        }

        void flush() {
            out.flush();
            err.flush();
        }

        @Override public PrintStream out() { return out; }

        @Override public PrintStream err() { return err; }

        @Override
        public void display(MimeBundle bundle) {
            flush();
            iopub.display(bundle);
        }

        @Override
        public MimeBundle execute(String code) throws CellFailedException {
            flush();
            ExecuteOutcome o = run(code, iopub);
            if (o instanceof ExecuteOutcome.Failed f) {
                innerFailure = f;
                throw new CellFailedException(f.evalue());
            }
            return ((ExecuteOutcome.Ok) o).result();
        }

        @Override
        public MimeBundle executePrecis(String source) throws CellFailedException {
            flush();
            ExecuteOutcome o = language.run(source, cellId);
            if (o instanceof ExecuteOutcome.Failed f) {
                innerFailure = f;
                throw new CellFailedException(f.evalue());
            }
            return null;
        }

        @Override
        public void addToClasspath(List<Path> entries) throws MagicException {
            try {
                java.addToClasspath(entries);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MagicException("interrupted while the Java session was starting");
            }
        }

        @Override public List<Path> addedClasspath() { return java.addedClasspath(); }

        @Override public MagicRegistry registry() { return magics; }

        @Override public long executionCpuNanos() { return java.executionCpuNanos(); }
    }
}
