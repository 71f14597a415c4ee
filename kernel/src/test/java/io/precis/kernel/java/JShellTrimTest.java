package io.precis.kernel.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.Test;

/** A JShell in this JVM ("local" engine), trimmed after each "cell" as the kernel does. */
class JShellTrimTest {

    /** Evaluates as JavaCells does: an expression's temporary ($1...) is dropped after it ran. */
    private static SnippetEvent eval(JShell shell, String code) {
        List<SnippetEvent> events = shell.eval(code);
        SnippetEvent main = events.stream().filter(e -> e.causeSnippet() == null).findFirst().orElseThrow();
        if (main.snippet() instanceof jdk.jshell.VarSnippet v && v.subKind() == jdk.jshell.Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                && shell.status(v).isActive()) {
            shell.drop(v);
        }
        return main;
    }

    @Test
    void aLongSessionKeepsOnlyWhatLiveDeclarationsNeedAndStillWorks() {
        try (JShell shell = JShell.builder().executionEngine("local").build()) {
            JShellTrim trim = JShellTrim.of(shell);
            assertNotNull(trim, "run with --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED (the kernel's surefire argLine)");
            eval(shell, "int boom(int a) {\n    int b = 1;\n    return b / a;\n}");
            trim.trim();
            int afterFirst = trim.snippetCount();
            for (int i = 0; i < 100; i++) {
                eval(shell, "int x" + (i % 5) + " = " + i + ";");
                eval(shell, "x" + (i % 5) + " + 1");
                eval(shell, "System.out.print(\"\");");
                eval(shell, "String s = \"" + i + "\";");
                eval(shell, "int bad = \"text\";"); // rejected
                trim.trim();
            }
            // boom, x0..x4, s: what is live, not the 500 snippets evaluated.
            assertEquals(afterFirst + 6, trim.snippetCount());
            assertTrue(trim.classFileCount() <= 7 + 1, "class files kept: " + trim.classFileCount());
            // Values and methods still work, and a stack frame in a method defined 500 snippets ago still maps to
            // its own line (the wrapper's import text was replaced by its line count).
            assertEquals("99", eval(shell, "s").value().replace("\"", ""));
            SnippetEvent e = eval(shell, "boom(0)");
            assertTrue(e.exception() instanceof EvalException, String.valueOf(e.exception()));
            StackTraceElement top = e.exception().getStackTrace()[0];
            assertEquals("boom", top.getMethodName());
            assertEquals(3, top.getLineNumber());
            assertTrue(top.getFileName().startsWith("#"), top.getFileName());
        }
    }

    @Test
    void jshellForgetsTheNamesOfWhatIsGoneAndStillNamesTypes() {
        try (JShell shell = JShell.builder().executionEngine("local").build()) {
            JShellTrim trim = JShellTrim.of(shell);
            assertNotNull(trim);
            eval(shell, "class Bad { int v = \"text\"; }"); // rejected: its name is no class
            eval(shell, "int kept = 1;");
            trim.trim();
            int keys = trim.keyCount();
            for (int i = 0; i < 200; i++) {
                eval(shell, "double unique" + i + " = " + i + ";");
                eval(shell, "unique" + i + " * 2");         // a temporary $n, dropped
                eval(shell, "int bad" + i + " = \"text\";"); // rejected
                if (i % 2 == 0) {
                    String old = "unique" + (i / 2);
                    shell.drop(shell.variables().filter(v -> v.name().equals(old)).findFirst().orElseThrow());
                }
                trim.trim();
            }
            // Types are still named (JShell maps its class keys to their snippets when it shortens a type's name).
            SnippetEvent list = eval(shell, "new java.util.ArrayList<String>(java.util.List.of(\"a\"))");
            assertEquals("[a]", list.value());
            trim.trim();
            // Keys of live declarations only: kept (Bad's went at the first trim) and 100 of the 200 uniques.
            assertEquals(keys + 100, trim.keyCount());
            assertEquals("201.0", eval(shell, "unique199 + kept + 1").value());
        }
    }

    @Test
    void wrapperNames() {
        assertEquals("$JShell$12B", JShellTrim.wrapper("REPL.$JShell$12B$R0"));
        assertEquals("$JShell$12B", JShellTrim.wrapper("$JShell$12B"));
        assertEquals(3, JShellTrim.lines("x\n\nimport a;\n"));
    }
}
