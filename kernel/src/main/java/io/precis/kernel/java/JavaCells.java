package io.precis.kernel.java;

import io.precis.display.MimeBundle;
import io.precis.kernel.Log;
import io.precis.kernel.exec.ExecutionJvm;
import io.precis.kernel.exec.HostControl;
import io.precis.kernel.protocol.ExecuteOutcome;
import io.precis.kernel.protocol.Interpreter.Completeness;
import io.precis.kernel.protocol.Interpreter.Completion;
import io.precis.kernel.protocol.Interpreter.CompletionItem;
import io.precis.kernel.protocol.Interpreter.Inspection;
import io.precis.kernel.protocol.MimeJson;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * Java cells, evaluated by JShell in a separate execution JVM. A cell is split into JShell snippets and run
 * snippet by snippet; the first failure ends the cell. The value of the last snippet, if it is an
 * expression, is the cell's result, rendered richly in the execution JVM when a renderer claims its type.
 * Temporary variables ({@code $1}…) are dropped after each cell: every live snippet is imported into every
 * later compilation, so keeping them would make each cell slower than the one before.
 */
public final class JavaCells {

    /** Imports every session starts with. */
    public static final List<String> DEFAULT_IMPORTS = List.of(
            "import java.util.*;",
            "import java.util.function.*;",
            "import java.util.stream.*;",
            "import java.io.*;",
            "import java.nio.file.*;",
            "import java.math.*;",
            "import io.precis.engine.format.*;",
            "import io.precis.engine.model.*;",
            "import io.precis.engine.data.*;",
            "import io.precis.engine.eval.*;",
            "import io.precis.engine.plan.*;",
            "import io.precis.engine.analysis.*;",
            "import io.precis.engine.figure.Figure;",
            "import io.precis.engine.export.PlanJson;",
            "import io.precis.language.PrecisSession;",
            "import static io.precis.kernel.display.Display.*;");

    private static final Set<String> PLAIN_TYPES = Set.of("int", "long", "short", "byte", "char", "boolean", "float",
            "double", "String", "java.lang.String", "Integer", "Long", "Short", "Byte", "Character", "Boolean", "Float",
            "Double", "void");

    private final ExecutionJvm.Sinks sinks;
    private final Supplier<ExecutionJvm> jvmFactory;
    private final InputStream stdin;
    private final List<String> startup;
    private final List<Path> added = new ArrayList<>();
    private final Map<String, SnippetOrigin> origins = new HashMap<>();
    private volatile CompletableFuture<Session> session;
    /** JShell is not thread-safe: cells, completion and the background warm-up take turns. */
    private final java.util.concurrent.locks.ReentrantLock shellLock = new java.util.concurrent.locks.ReentrantLock();
    /** Set by the first request: the background warm-up yields to the user for good. */
    private volatile boolean userActive;
    private volatile boolean interrupted;
    private int cellNumber;

    /** Where a snippet came from, to name it in tracebacks: "In[3] line 2". */
    private record SnippetOrigin(int cell, int firstLine) {}

    /** One JShell with its execution JVM; replaced when the JVM dies. {@code trim} is null where JShell cannot be trimmed. */
    private record Session(JShell shell, ExecutionJvm jvm, CompletableFuture<String> death, JShellTrim[] trim) {

        /**
         * Forgets what no live snippet needs (see {@link JShellTrim}); stops for good at the first failure.
         * Returns the ids of the snippets JShell still holds, or null when it was not trimmed.
         */
        Set<String> trimHistory() {
            JShellTrim t = trim[0];
            if (t != null) {
                try {
                    return t.trim();
                } catch (IllegalStateException e) {
                    trim[0] = null;
                }
            }
            return null;
        }
    }

    public JavaCells(Supplier<ExecutionJvm> jvmFactory, ExecutionJvm.Sinks sinks, InputStream stdin, List<String> startup) {
        this.jvmFactory = jvmFactory;
        this.sinks = sinks;
        this.stdin = stdin;
        this.startup = List.copyOf(startup);
    }

    /** Starts JShell and its JVM in the background; cells wait for it. */
    public void start() {
        CompletableFuture<Session> s = CompletableFuture.supplyAsync(this::newSession, r -> {
            Thread t = new Thread(r, "precis-jshell-start");
            t.setDaemon(true);
            t.start();
        });
        session = s;
        s.thenAcceptAsync(this::warmUpWhileIdle, r -> {
            Thread t = new Thread(r, "precis-jshell-warm-up");
            t.setDaemon(true);
            t.start();
        });
    }

    private Session newSession() {
        ExecutionJvm jvm = jvmFactory.get();
        CompletableFuture<String> death = new CompletableFuture<>();
        JShell shell = JShell.builder()
                .executionEngine(jvm, Map.of())
                .out(new PrintStream(sinks.out(), true, java.nio.charset.StandardCharsets.UTF_8))
                .err(new PrintStream(sinks.err(), true, java.nio.charset.StandardCharsets.UTF_8))
                .in(stdin)
                // An empty processor path: with -proc:none javac still makes a class loader over the processor
                // path (the class path when none is given) to look for plugins, opening every jar of the class
                // path, in each of JShell's compiler contexts, and never closes it (JShell's pooled compiler
                // ignores close): 56 open jars per context, left for the cleaner (measured: ~2 MiB of the heap
                // after a full GC of tests/soak.py, and each new context paid for the opening).
                .compilerOptions("--add-modules", "jdk.incubator.vector", "-Xlint:-incubating", "-processorpath", "")
                .build();
        shell.onShutdown(s -> death.complete("shutdown"));
        String cp = System.getProperty("java.class.path");
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                shell.addToClasspath(entry);
            }
        }
        for (Path p : added) {
            shell.addToClasspath(p.toString());
        }
        for (String s : startup) {
            for (SnippetEvent e : shell.eval(s)) {
                if (e.status() == Snippet.Status.REJECTED) {
                    Log.warn("start-up snippet rejected: %s (%s)", s,
                            shell.diagnostics(e.snippet()).map(d -> d.getMessage(Locale.ROOT)).toList());
                }
            }
        }
        warmUp(shell, 1);
        Session session = new Session(shell, jvm, death, new JShellTrim[] {JShellTrim.of(shell)});
        session.trimHistory();
        return session;
    }

    /**
     * While nobody has asked for anything yet, compile throw-away snippets so javac's code is JIT-compiled by
     * the time the user's cells come (measured: the first cells of a cold kernel take several times longer).
     * Stops for good at the first request; never holds JShell for more than one snippet.
     */
    private void warmUpWhileIdle(Session s) {
        for (int round = 0; round < WARM_UP_ROUNDS && !userActive; round++) {
            if (!shellLock.tryLock()) {
                return;
            }
            try {
                if (userActive || s.death().isDone()) {
                    return;
                }
                warmUp(s.shell(), 1);
                s.trimHistory();
            } catch (RuntimeException e) {
                Log.debug("warm-up stopped: %s", e);
                return;
            } finally {
                shellLock.unlock();
            }
        }
    }

    /** Rounds of seven snippets; {@code PRECIS_WARM_UP_ROUNDS} changes it (0 turns the warm-up off). */
    private static final int WARM_UP_ROUNDS = intFromEnv("PRECIS_WARM_UP_ROUNDS", 30);

    private static int intFromEnv(String name, int fallback) {
        try {
            return Integer.parseInt(System.getenv().getOrDefault(name, Integer.toString(fallback)).strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Throw-away snippets (methods, lambdas, generics; no types: see below), dropped again. */
    private static void warmUp(JShell shell, int rounds) {
        String[] snippets = {
            "1 + 1", "\"precis\".length()", "int $warm(int a) { return a * 2; }", "$warm(21)",
            "List<Integer> $l = IntStream.range(0, 3).boxed().collect(Collectors.toList());", "$l.size()"};
        // No type declarations here: dropping one leaves JShell's documentation() empty for the session
        // (seen on JDK 25), and users never drop types themselves.
        List<Snippet> made = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (String s : snippets) {
                for (SnippetEvent e : shell.eval(s)) {
                    if (e.causeSnippet() == null) {
                        made.add(e.snippet());
                    }
                }
            }
        }
        for (Snippet s : made) {
            if (shell.status(s).isActive()) {
                shell.drop(s);
            }
        }
        shell.sourceCodeAnalysis().completionSuggestions("Strin", 5, new int[1]);
    }

    private Session session() throws InterruptedException {
        try {
            Session s = session.get();
            if (s.death().isDone()) {
                start();
                s = session.get();
            }
            return s;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            start(); // the next cell tries again
            throw new IllegalStateException("the Java execution JVM could not start: " + cause.getMessage(), cause);
        }
    }

    /** Waits for JShell to be ready; false if interrupted. */
    public boolean awaitReady() {
        try {
            session();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    // ---- execution ----------------------------------------------------------------------------------

    /** Sets the number the next cell shows in tracebacks ("In[N]"). */
    public void setCellNumber(int n) {
        this.cellNumber = n;
    }

    /**
     * Runs Java source. {@code firstLine} is the 1-based line of {@code code} in its cell (magics may precede it).
     */
    public ExecuteOutcome run(String code, int firstLine) {
        return locked(() -> {
            try {
                return runLocked(code, firstLine);
            } finally {
                Session s = readySession();
                Set<String> kept = s == null ? null : s.trimHistory();
                if (kept != null) {
                    // Frames of trimmed snippets are no longer translated by JShell: their origins go too.
                    origins.keySet().retainAll(kept);
                }
            }
        });
    }

    /** The execution JVM's session, waiting for it to start; or the failed outcome a cell shows instead. */
    private Object startedSession() {
        try {
            return session();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return interruptedOutcome();
        } catch (IllegalStateException e) {
            return new ExecuteOutcome.Failed("ExecutionJvmError", e.getMessage(), List.of(red("ExecutionJvmError") + ": " + e.getMessage()));
        }
    }

    private ExecuteOutcome runLocked(String code, int firstLine) {
        Object started = startedSession();
        if (!(started instanceof Session s)) {
            return (ExecuteOutcome) started;
        }
        interrupted = false;
        HostControl control = s.jvm().current();
        if (control != null) {
            control.takeStopRequested();
        }
        JShell shell = s.shell();
        List<CellSplitter.Chunk> chunks = CellSplitter.split(shell.sourceCodeAnalysis(), code);
        MimeBundle result = null;
        for (int i = 0; i < chunks.size(); i++) {
            CellSplitter.Chunk chunk = chunks.get(i);
            List<SnippetEvent> events;
            try {
                events = shell.eval(chunk.source());
            } catch (IllegalStateException e) {
                return jvmDied(s);
            }
            if (s.death().isDone()) {
                return jvmDied(s);
            }
            SnippetEvent main = null;
            for (SnippetEvent e : events) {
                if (e.causeSnippet() == null) {
                    main = e;
                    break;
                }
            }
            if (main == null) {
                continue;
            }
            Snippet snippet = main.snippet();
            origins.put(snippet.id(), new SnippetOrigin(cellNumber, firstLine + CellSplitter.lineOf(code, chunk.start()) - 1));
            if (control != null && control.takeStopRequested() || interrupted) {
                dropTemporary(shell, events);
                return interruptedOutcome();
            }
            if (main.status() == Snippet.Status.REJECTED) {
                return compileError(shell, snippet, chunk, code, firstLine);
            }
            if (main.exception() != null) {
                dropTemporary(shell, events);
                return runtimeError(main.exception());
            }
            warnUnresolved(shell, main);
            boolean last = i == chunks.size() - 1;
            if (last && hasValue(snippet) && main.value() != null && !isPrintStream(snippet)) {
                result = valueOf(snippet, main.value(), control);
            }
            dropTemporary(shell, events);
        }
        return result == null ? ExecuteOutcome.Ok.nothing() : ExecuteOutcome.Ok.of(result);
        }

    private static boolean hasValue(Snippet s) {
        return switch (s.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND, VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND -> true;
            default -> false;
        };
    }

    /** A cell ending in {@code System.out.printf(...)} printed its output: the returned stream is no result. */
    private static boolean isPrintStream(Snippet s) {
        String type = s instanceof VarSnippet v ? v.typeName() : s instanceof ExpressionSnippet x ? x.typeName() : "";
        return type.equals("PrintStream") || type.equals("java.io.PrintStream");
    }

    private MimeBundle valueOf(Snippet snippet, String text, HostControl control) {
        String type = snippet instanceof VarSnippet v ? v.typeName()
                : snippet instanceof ExpressionSnippet x ? x.typeName() : "";
        if (control != null && !PLAIN_TYPES.contains(type)) {
            try {
                Object rendered = control.extensionCommand("render", null);
                if ("".equals(rendered)) {
                    return null;
                }
                if (rendered instanceof String jsonText) {
                    return MimeJson.read(jsonText);
                }
            } catch (Exception e) {
                Log.info("rich rendering failed: %s", e);
            }
        }
        return MimeBundle.text(text);
    }

    private static void dropTemporary(JShell shell, List<SnippetEvent> events) {
        for (SnippetEvent e : events) {
            if (e.causeSnippet() == null && e.snippet() instanceof VarSnippet v
                    && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND && shell.status(v).isActive()) {
                shell.drop(v);
            }
        }
    }

    private void warnUnresolved(JShell shell, SnippetEvent e) {
        boolean recoverable = e.status() == Snippet.Status.RECOVERABLE_DEFINED || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED;
        if (recoverable && e.snippet() instanceof DeclarationSnippet d) {
            List<String> missing = shell.unresolvedDependencies(d).toList();
            sinks.nativeOutput().accept("Note: " + describe(d) + " can be used once " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " declared.\n");
        }
    }

    private static String describe(DeclarationSnippet d) {
        return switch (d.kind()) {
            case METHOD -> "method " + d.name() + "()";
            case TYPE_DECL -> "type " + d.name();
            case VAR -> "variable " + d.name();
            default -> d.name();
        };
    }

    private ExecuteOutcome compileError(JShell shell, Snippet snippet, CellSplitter.Chunk chunk, String code, int firstLine) {
        List<Diag> diags = shell.diagnostics(snippet).filter(Diag::isError).toList();
        if (diags.isEmpty()) {
            diags = shell.diagnostics(snippet).toList();
        }
        List<String> tb = new ArrayList<>();
        String first = diags.isEmpty() ? "the snippet was rejected" : clean(diags.get(0).getMessage(Locale.ROOT));
        String source = snippet.source();
        int base = chunk.start() + Math.max(0, chunk.source().indexOf(source));
        for (Diag d : diags) {
            String msg = clean(d.getMessage(Locale.ROOT));
            tb.add(red("CompilationException") + ": " + msg);
            long pos = d.getStartPosition() >= 0 ? d.getStartPosition() : d.getPosition();
            if (pos >= 0) {
                int abs = (int) Math.min(code.length(), base + pos);
                int end = (int) Math.min(code.length(), base + Math.max(d.getEndPosition(), pos + 1));
                tb.addAll(CellSplitter.pointAt(code, abs, end, firstLine));
            }
        }
        return new ExecuteOutcome.Failed("CompilationException", firstLine(first), tb);
    }

    private ExecuteOutcome runtimeError(JShellException ex) {
        List<String> tb = new ArrayList<>();
        if (ex instanceof UnresolvedReferenceException u) {
            String what = describe(u.getSnippet());
            String msg = what + " cannot be used yet: it refers to something not declared";
            tb.add(red("UnresolvedReference") + ": " + msg);
            return new ExecuteOutcome.Failed("UnresolvedReference", msg, tb);
        }
        EvalException e = (EvalException) ex;
        String cls = e.getExceptionClassName();
        String msg = clean(e.getMessage());
        if (cls.equals(io.precis.kernel.exec.LanguageBridge.Failed.class.getName())) {
            // A language error is already a formatted message with its line, carets and suggestion.
            List<String> lines = List.of(msg.split("\n", -1));
            List<String> shown = new ArrayList<>();
            shown.add(red("PrecisError") + ": " + lines.get(0));
            shown.addAll(lines.subList(1, lines.size()));
            return new ExecuteOutcome.Failed("PrecisError", lines.get(0), shown);
        }
        if (cls.equals("io.precis.kernel.exec.Interrupts$ExitCalled")) {
            tb.add(red("SystemExit") + ": " + msg);
            return new ExecuteOutcome.Failed("SystemExit", msg, tb);
        }
        appendTrace(tb, e, true);
        return new ExecuteOutcome.Failed(cls, msg, tb);
    }

    private void appendTrace(List<String> tb, EvalException e, boolean top) {
        String head = e.getExceptionClassName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        tb.add((top ? "" : "Caused by: ") + red(e.getExceptionClassName()) + (e.getMessage() == null ? "" : ": " + clean(e.getMessage())));
        StackTraceElement[] frames = e.getStackTrace();
        int lastUser = -1;
        for (int i = 0; i < frames.length; i++) {
            if (frames[i].getFileName() != null && frames[i].getFileName().startsWith("#")) {
                lastUser = i;
            }
        }
        int shown = lastUser >= 0 ? lastUser + 1 : Math.min(frames.length, 12);
        for (int i = 0; i < shown; i++) {
            StackTraceElement f = frames[i];
            if (f.getClassName().startsWith("jdk.internal.reflect") || f.getClassName().startsWith("java.lang.reflect")) {
                continue;
            }
            tb.add("    at " + frame(f));
        }
        if (shown < frames.length && lastUser < 0) {
            tb.add("    ... " + (frames.length - shown) + " more");
        }
        if (e.getCause() instanceof EvalException cause && tb.size() < 200) {
            appendTrace(tb, cause, false);
        }
        if (head.isEmpty()) {
            tb.add("");
        }
    }

    private String frame(StackTraceElement f) {
        String file = f.getFileName();
        if (file != null && file.startsWith("#")) {
            SnippetOrigin o = origins.get(file.substring(1));
            String where = o == null ? "cell" : "In[" + o.cell() + "] line " + (o.firstLine() + Math.max(1, f.getLineNumber()) - 1);
            String owner = f.getClassName().isEmpty() ? "" : f.getClassName() + ".";
            String method = f.getMethodName().isEmpty() ? "<cell>" : f.getMethodName();
            return owner + method + " (" + where + ")";
        }
        return f.toString();
    }

    private ExecuteOutcome jvmDied(Session s) {
        HostControl c = s.jvm().current();
        String status = "";
        String crashLog = "";
        if (c != null) {
            try {
                c.process().waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                if (!c.process().isAlive()) {
                    status = " with status " + c.process().exitValue();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            crashLog = c.crashLog().map(p -> " The JVM's crash log: " + p + ".").orElse("");
        }
        String msg = "the Java execution JVM exited" + status + " while this cell ran (a crash in native code, "
                + "or System.exit from library code). Variables, methods and classes of this session are gone; "
                + "a fresh one starts with the next cell." + crashLog;
        s.death().complete("exited");
        start();
        return new ExecuteOutcome.Failed("ExecutionJvmExited", msg, List.of(red("ExecutionJvmExited") + ": " + msg));
    }

    private static ExecuteOutcome interruptedOutcome() {
        return new ExecuteOutcome.Failed("Interrupted", "the cell was interrupted",
                List.of(red("Interrupted") + ": the cell was interrupted"));
    }

    /** Asks the running cell to stop; a second request while it still runs kills the execution JVM. */
    public void interrupt() {
        CompletableFuture<Session> f = session;
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return;
        }
        Session s = f.join();
        HostControl c = s.jvm().current();
        if (c == null) {
            return;
        }
        if (interrupted) {
            Log.info("second interrupt: killing the execution JVM");
            c.kill();
        } else {
            interrupted = true;
            c.stop();
        }
    }

    /** Whether the last cell ended by an interrupt (for the router, which may have been in a magic). */
    public boolean wasInterrupted() {
        return interrupted;
    }

    public void clearInterrupt() {
        interrupted = false;
    }

    // ---- classpath ----------------------------------------------------------------------------------

    public void addToClasspath(List<Path> entries) throws InterruptedException {
        userActive = true;
        shellLock.lockInterruptibly();
        try {
            addToClasspathLocked(entries);
        } finally {
            shellLock.unlock();
        }
    }

    private void addToClasspathLocked(List<Path> entries) throws InterruptedException {
        Session s = session();
        for (Path p : entries) {
            s.shell().addToClasspath(p.toString());
            added.add(p);
        }
        }

    /** The session's Java variables and their types, e.g. {@code x -> double}. */
    public Map<String, String> variableTypes() {
        return locked(() -> {
            Session s = readySession();
            Map<String, String> out = new java.util.LinkedHashMap<>();
            if (s != null) {
                s.shell().variables().forEach(v -> out.put(v.name(), v.typeName()));
            }
            return out;
        });
    }

    /** Asks the execution JVM something of the kernel's own ({@code precis.names}, ...); null when it cannot answer. */
    public Object remote(String command, Object argument) {
        return locked(() -> {
            Session s = readySession();
            HostControl c = s == null ? null : s.jvm().current();
            if (c == null) {
                return null;
            }
            try {
                return c.extensionCommand(command, argument);
            } catch (Exception e) {
                Log.info("%s failed: %s", command, e);
                return null;
            }
        });
    }

    /**
     * Sends something to the execution JVM's own commands as a cell would reach it: waiting for the JVM to
     * start (or restart), unlike {@link #remote}. Returns the answer, or a failed outcome.
     */
    public Object sendToExecution(String command, Object argument) {
        return locked(() -> {
            Object started = startedSession();
            if (!(started instanceof Session s)) {
                return started;
            }
            HostControl c = s.jvm().current();
            if (c == null) {
                return jvmDied(s);
            }
            try {
                return c.extensionCommand(command, argument);
            } catch (Exception e) {
                if (s.death().isDone() || !c.process().isAlive()) {
                    return jvmDied(s);
                }
                return new ExecuteOutcome.Failed("ExecutionJvmError", command + " failed: " + e,
                        List.of(red("ExecutionJvmError") + ": " + command + " failed: " + e));
            }
        });
    }

    public List<Path> addedClasspath() {
        return List.copyOf(added);
    }

    public long executionCpuNanos() {
        CompletableFuture<Session> f = session;
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return -1;
        }
        HostControl c = f.join().jvm().current();
        return c == null ? -1 : c.cpuNanos();
    }

    // ---- completion, inspection, completeness -------------------------------------------------------

    public Completion complete(String code, int cursor) {
        return locked(() -> completeLocked(code, cursor));
    }

    private Completion completeLocked(String code, int cursor) {
        Session s = readySession();
        if (s == null) {
            return Completion.none(cursor);
        }
        SourceCodeAnalysis sca = s.shell().sourceCodeAnalysis();
        CellSplitter.Chunk chunk = CellSplitter.chunkAt(sca, code, cursor);
        int[] anchor = new int[1];
        // Variables declared earlier in the same cell are not in JShell yet: complete inside a block that
        // declares them, so `var xs = List.of(1); xs.` completes before the cell has run.
        String local = localDeclarations(sca, code, chunk);
        List<SourceCodeAnalysis.Suggestion> suggestions = List.of();
        if (!local.isEmpty()) {
            suggestions = sca.completionSuggestions(local + chunk.source(), local.length() + cursor - chunk.start(), anchor);
            anchor[0] -= local.length();
        }
        if (suggestions.isEmpty()) {
            suggestions = sca.completionSuggestions(chunk.source(), cursor - chunk.start(), anchor);
        }
        boolean anyTyped = suggestions.stream().anyMatch(SourceCodeAnalysis.Suggestion::matchesType);
        Set<String> matches = new LinkedHashSet<>();
        for (SourceCodeAnalysis.Suggestion sg : suggestions) {
            if (!anyTyped || sg.matchesType()) {
                matches.add(sg.continuation());
            }
        }
        int start = chunk.start() + anchor[0];
        List<CompletionItem> items = new ArrayList<>();
        for (String m : matches) {
            String type = m.endsWith("(") ? "method" : !m.isEmpty() && Character.isUpperCase(m.charAt(0)) ? "class" : "variable";
            items.add(new CompletionItem(m, start, cursor, type, null));
        }
        return new Completion(List.copyOf(matches), start, cursor, items);
        }

    /** "{ " and the cell's statements before {@code chunk}, or "" when there are none. */
    private static String localDeclarations(SourceCodeAnalysis sca, String code, CellSplitter.Chunk chunk) {
        StringBuilder sb = new StringBuilder();
        for (CellSplitter.Chunk c : CellSplitter.split(sca, code.substring(0, chunk.start()))) {
            List<SnippetKindProbe> kinds = SnippetKindProbe.of(sca, c.source());
            if (kinds.stream().allMatch(SnippetKindProbe::statementLike)) {
                String src = c.source().strip();
                sb.append(src).append(src.endsWith(";") || src.endsWith("}") ? " " : "; ");
            }
        }
        return sb.isEmpty() ? "" : "{ " + sb;
    }

    /** What kind of snippet a piece of source is, without running it. */
    private record SnippetKindProbe(Snippet.Kind kind) {
        static List<SnippetKindProbe> of(SourceCodeAnalysis sca, String source) {
            try {
                return sca.sourceToSnippets(source).stream().map(sn -> new SnippetKindProbe(sn.kind())).toList();
            } catch (RuntimeException e) {
                return List.of(new SnippetKindProbe(Snippet.Kind.ERRONEOUS));
            }
        }

        boolean statementLike() {
            return kind == Snippet.Kind.VAR || kind == Snippet.Kind.STATEMENT || kind == Snippet.Kind.EXPRESSION;
        }
    }

    public Inspection inspect(String code, int cursor) {
        return locked(() -> inspectLocked(code, cursor));
    }

    private Inspection inspectLocked(String code, int cursor) {
        Session s = readySession();
        if (s == null) {
            return Inspection.NOT_FOUND;
        }
        JShell shell = s.shell();
        SourceCodeAnalysis sca = shell.sourceCodeAnalysis();
        CellSplitter.Chunk chunk = CellSplitter.chunkAt(sca, code, cursor);
        String src = chunk.source();
        int at = cursor - chunk.start();
        int end = at;
        while (end < src.length() && Character.isJavaIdentifierPart(src.charAt(end))) {
            end++;
        }
        int begin = at;
        while (begin > 0 && Character.isJavaIdentifierPart(src.charAt(begin - 1))) {
            begin--;
        }
        String word = src.substring(begin, end);
        boolean qualified = begin > 0 && src.charAt(begin - 1) == '.';
        if (!qualified && !word.isEmpty()) {
            // A session variable: its type and current value say more than JShell's "name:type".
            for (VarSnippet v : shell.variables().toList()) {
                if (v.name().equals(word)) {
                    String text = v.typeName() + " " + v.name() + " = " + shell.varValue(v);
                    return new Inspection(true, text, "<pre>" + io.precis.engine.figure.Html.escape(text) + "</pre>");
                }
            }
        }
        List<SourceCodeAnalysis.Documentation> docs = sca.documentation(src.substring(0, end), end, true);
        if (docs.isEmpty()) {
            // JShell documents a method when the cursor is inside its call's parentheses.
            docs = sca.documentation(src.substring(0, end) + "(", end + 1, true);
        }
        if (docs.isEmpty()) {
            return Inspection.NOT_FOUND;
        }
        StringBuilder plain = new StringBuilder();
        StringBuilder html = new StringBuilder();
        Set<String> seen = new LinkedHashSet<>();
        for (SourceCodeAnalysis.Documentation d : docs) {
            if (!seen.add(d.signature())) {
                continue;
            }
            plain.append(d.signature()).append('\n');
            html.append("<pre><b>").append(io.precis.engine.figure.Html.escape(d.signature())).append("</b></pre>");
            if (d.javadoc() != null && !d.javadoc().isBlank()) {
                plain.append(Javadoc.toPlainText(d.javadoc())).append("\n\n");
                html.append("<div>").append(Javadoc.toHtml(d.javadoc())).append("</div>");
            }
        }
        return new Inspection(true, plain.toString().strip(), html.toString());
        }

    public Completeness isComplete(String code) {
        return locked(() -> isCompleteLocked(code));
    }

    private Completeness isCompleteLocked(String code) {
        Session s = readySession();
        if (s == null) {
            return Completeness.unknown();
        }
        return completeness(s.shell().sourceCodeAnalysis(), code);
        }

    /** Snippet by snippet: incomplete at the first open one, invalid at the first that cannot parse. */
    static Completeness completeness(SourceCodeAnalysis sca, String code) {
        String rest = code;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = sca.analyzeCompletion(rest);
            switch (ci.completeness()) {
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
                    return Completeness.incomplete(CellSplitter.indentAfter(code));
                }
                case UNKNOWN -> {
                    return Completeness.invalid();
                }
                case EMPTY -> {
                    return Completeness.complete();
                }
                default -> {
                    // JShell balances brackets only; a snippet that cannot parse stays wrong whatever follows.
                    if (ci.source() != null && !JavaSyntax.parses(ci.source())) {
                        return Completeness.invalid();
                    }
                }
            }
            if (ci.remaining().length() >= rest.length()) {
                break;
            }
            rest = ci.remaining();
        }
        return Completeness.complete();
    }

    /** Runs {@code body} with JShell to itself; the first call ends the background warm-up. */
    private <T> T locked(java.util.function.Supplier<T> body) {
        userActive = true;
        shellLock.lock();
        try {
            return body.get();
        } finally {
            shellLock.unlock();
        }
    }

    /** The session if it is up; completion never waits for start-up. */
    private Session readySession() {
        CompletableFuture<Session> f = session;
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        Session s = f.join();
        return s.death().isDone() ? null : s;
    }

    public void shutdown() {
        CompletableFuture<Session> f = session;
        if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
            try {
                f.join().shell().close();
            } catch (RuntimeException e) {
                Log.debug("closing JShell: %s", e);
            }
        } else if (f != null) {
            f.thenAccept(s -> s.shell().close());
        }
    }

    private static final java.util.regex.Pattern WRAPPER = java.util.regex.Pattern.compile("REPL\\.\\$JShell\\$\\d+\\w*\\.");
    private static final java.util.regex.Pattern EMPTY_LOCATION = java.util.regex.Pattern.compile("\\n\\s*location: class\\s*$", java.util.regex.Pattern.MULTILINE);

    /** JShell's wrapper classes mean nothing to the user: "REPL.$JShell$27.s is null" reads "s is null". */
    static String clean(String message) {
        if (message == null) {
            return "";
        }
        return EMPTY_LOCATION.matcher(WRAPPER.matcher(message).replaceAll("")).replaceAll("");
    }

    static String red(String s) {
        return "\u001b[0;31m" + s + "\u001b[0m";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
