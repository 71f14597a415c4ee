package io.precis.kernel.cells;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.exec.ExecutionJvm;
import io.precis.kernel.exec.LanguageBridge;
import io.precis.kernel.java.JavaCells;
import io.precis.kernel.protocol.ExecuteOutcome;
import io.precis.language.CellLanguage;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A kernel's cells without Jupyter, for {@code precis run analysis.precis}: Java in JShell with its execution JVM
 * and the language through the same host as a notebook's, so a script computes what its notebook would. Text
 * and tables (a display's text/plain) go to {@code out}; warnings, progress bars and errors to {@code err}.
 */
public final class ScriptSession implements AutoCloseable {

    private final JavaCells java;
    private final LanguageCells language;

    public ScriptSession(PrintStream out, PrintStream err, List<String> execJvmOptions) {
        ObjectMapper json = new ObjectMapper();
        ExecutionJvm.Sinks sinks = new ExecutionJvm.Sinks(new StreamSink(t -> print(out, t)), new StreamSink(t -> print(err, t)),
                new DisplaySink(new DisplaySink.Target() {
                    @Override
                    public void display(ObjectNode data, ObjectNode metadata, String id, boolean update) {
                        String text = data.path("text/plain").asText("");
                        if (text.isEmpty()) {
                            return;
                        }
                        // A progress bar (updated in place in a notebook): its last state goes to stderr.
                        if (data.path("text/html").asText("").contains("precis-progress")) {
                            if (text.contains("done in")) {
                                print(err, text + "\n");
                            }
                        } else {
                            print(out, text.endsWith("\n") ? text : text + "\n");
                        }
                    }

                    @Override
                    public void clearOutput(boolean wait) {
                    }
                }, json), line -> print(err, line));
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        String classpath = System.getProperty("java.class.path");
        this.java = new JavaCells(() -> new ExecutionJvm(javaBin, execJvmOptions, classpath, sinks), sinks, InputStream.nullInputStream(),
                JavaCells.DEFAULT_IMPORTS);
        this.language = new LanguageCells(java, CellLanguage.precis());
        java.start();
    }

    private static void print(PrintStream s, String text) {
        synchronized (s) {
            s.print(text);
            s.flush();
        }
    }

    /** Java source; {@code firstLine} is its first line in the script, for error positions. */
    public ExecuteOutcome java(String code, int firstLine) {
        return java.run(code, firstLine);
    }

    /** Statements of the language; {@code source} keeps the script's line numbering (earlier lines blank). */
    public ExecuteOutcome language(String source, String cellId) {
        return language.run(source, cellId);
    }

    /** Writes what {@code as name} bound to {@code file} (JSON, atomically), from the execution JVM's session. */
    public ExecuteOutcome writeResults(Path file) {
        return java.run("{ " + LanguageBridge.class.getName() + ".writeResults(" + io.precis.kernel.java.JavaLiteral.of(file.toAbsolutePath().toString())
                + "); }", 1);
    }

    @Override
    public void close() {
        java.shutdown();
    }
}
