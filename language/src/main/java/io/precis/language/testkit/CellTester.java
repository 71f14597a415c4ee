package io.precis.language.testkit;

import io.precis.language.CellLanguage;
import io.precis.language.CellText;
import io.precis.language.JavaHost;
import io.precis.language.Output;
import io.precis.language.PrecisError;
import io.precis.language.PrecisSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs cells of the Precis language in process, against a session of their own, and records what they show:
 * the language's runtime tested in Java, without a kernel or a second JVM (as kotlin-jupyter's test kit does
 * for its REPL). Java variables are a map: {@link #java} defines one, {@code as name} adds one.
 *
 * <pre>{@code
 * try (CellTester cells = new CellTester()) {
 *     cells.java("x", 0.01);
 *     CellResult r = cells.run("load model \"../models/trained/fashion-mlp-0000.params\" as mlp\nshow plan as p");
 *     r.assertOk();
 *     Plan p = cells.variable("p", Plan.class);
 * }
 * }</pre>
 *
 * <p>The same {@link CellLanguage} code runs as in the kernel; only the {@link JavaHost} differs: here a
 * statement reads its Java values from the map, where the kernel runs a JShell snippet per run of statements
 * (up to each {@code as name}).
 */
public final class CellTester implements AutoCloseable {

    private final PrecisSession session = new PrecisSession();
    private final CellLanguage language = CellLanguage.of(session);
    private final Map<String, Object> variables = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Recorder recorder = new Recorder();
    private int cells;
    private int calls;

    public CellTester() {
        language.output(recorder);
    }

    /** Defines (or replaces) a Java variable the cells may name; its type is its value's class. */
    public CellTester java(String name, Object value) {
        return java(name, value, value == null ? "Object" : value.getClass().getSimpleName());
    }

    /** Defines a Java variable with a declared type ({@code double}, {@code Plan}...). */
    public CellTester java(String name, Object value, String type) {
        variables.put(name, value);
        types.put(name, type);
        return this;
    }

    /** Runs a cell as a new notebook cell. */
    public CellResult run(String cell) {
        return run(cell, "cell-" + (++cells));
    }

    /** Runs a cell as the notebook cell {@code cellId} (the same id again is a rerun: its rules are replaced). */
    public CellResult run(String cell, String cellId) {
        recorder.clear();
        Host host = new Host();
        CellLanguage.Outcome outcome = language.run(cell, cellId, host);
        String ename = null;
        String error = null;
        switch (outcome) {
            case CellLanguage.Outcome.Done d -> { }
            case CellLanguage.Outcome.Failed f -> {
                ename = f.ename();
                error = f.formatted();
            }
            case CellLanguage.Outcome.HostFailed h -> {
                ename = host.ename;
                error = host.error;
            }
        }
        return new CellResult(ename, error, recorder.text, recorder.warnings, recorder.shown);
    }

    /** Completion at {@code cursor} in {@code cell}, with this session's names and variables. */
    public CellLanguage.Completions complete(String cell, int cursor) {
        return language.complete(cell, cursor, new Host());
    }

    /** What inspecting the word at {@code cursor} shows. */
    public Optional<String> inspect(String cell, int cursor) {
        return language.inspect(cell, cursor, new Host());
    }

    /** A Java variable's value (one defined by {@link #java} or bound by {@code as name}), or null. */
    public Object variable(String name) {
        return variables.get(name);
    }

    public <T> T variable(String name, Class<T> type) {
        return type.cast(variables.get(name));
    }

    /** The declared Java type of a variable, e.g. {@code io.precis.engine.plan.Plan} for {@code as best}. */
    public String typeOf(String name) {
        return types.get(name);
    }

    public PrecisSession session() {
        return session;
    }

    /** How many calls to run statements this tester's cells have made (the kernel compiles one Java snippet per call). */
    public int statementCalls() {
        return calls;
    }

    /** Closes the session's models. */
    @Override
    public void close() {
        session.models().values().forEach(io.precis.engine.model.Model::close);
    }

    /** The Java side of the session: a map of values, statements run right here. */
    private final class Host implements JavaHost {
        private String ename;
        private String error;

        @Override
        public Map<String, String> variableTypes() {
            return new LinkedHashMap<>(types);
        }

        @Override
        public boolean sendCell(CellText cell) {
            try {
                language.receiveCell(cell);
                return true;
            } catch (PrecisError e) {
                return fail("PrecisError", e.getMessage());
            }
        }

        @Override
        public boolean runStatements(StatementCall call) {
            calls++;
            Object[] values = call.arguments().stream().map(a -> a == null ? null : variables.get(a)).toArray();
            String[] names = call.javaNames() == null ? null : call.javaNames().toArray(String[]::new);
            Object result;
            try {
                result = language.runStatements(call.from(), call.to(), values, names);
            } catch (PrecisError e) {
                return fail("PrecisError", e.getMessage());
            } catch (RuntimeException e) {
                return fail(e.getClass().getName(), String.valueOf(e.getMessage()));
            }
            if (call.bindName() != null) {
                if (result != null && !call.bindType().isInstance(result)) {
                    return fail("ClassCastException", result.getClass().getName() + " is not a " + call.bindType().getName());
                }
                java(call.bindName(), result, call.bindType().getCanonicalName());
            }
            return true;
        }

        @Override
        public Object ask(CellLanguage.Question question, String argument) {
            return language.answer(question, argument);
        }

        private boolean fail(String ename, String error) {
            this.ename = ename;
            this.error = error;
            return false;
        }
    }

    /** What statements show, in order. */
    private static final class Recorder implements Output {
        private final List<String> text = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private final List<Object> shown = new ArrayList<>();

        synchronized void clear() {
            text.clear();
            warnings.clear();
            shown.clear();
        }

        @Override
        public synchronized void show(Object value) {
            shown.add(value);
        }

        @Override
        public synchronized void text(String line) {
            text.add(line);
        }

        @Override
        public synchronized void warn(String message) {
            warnings.add(message);
        }

        @Override
        public Progress progress(String task, long total) {
            return Output.PLAIN.progress(task, total);
        }
    }
}
