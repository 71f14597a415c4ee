package io.precis.kernel.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.jshell.JShell;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** is_complete on real JShell analysis: syntax that no continuation can fix is invalid, unknown names are not. */
class IsCompleteTest {

    private static JShell shell;
    private static SourceCodeAnalysis sca;

    @BeforeAll
    static void start() {
        shell = JShell.builder().executionEngine("local").build();
        sca = shell.sourceCodeAnalysis();
    }

    @AfterAll
    static void stop() {
        shell.close();
    }

    private static String status(String code) {
        return JavaCells.completeness(sca, code).status();
    }

    @Test
    void aNameStartingWithADigitIsInvalid() {
        assertEquals("invalid", status("int 1x = 3;"));
        assertEquals("invalid", status("int 1x = 3"));
        assertEquals("invalid", status("void 9f() {}"));
        assertEquals("invalid", status("int x = 3 3;"));
        assertEquals("invalid", status("int a = 1;\nint 2y = 4;"), "the second snippet is the bad one");
    }

    @Test
    void validCodeStaysComplete() {
        for (String ok : new String[] {
            "int x = 3;", "1 + 1", "Math.max(1, 2)", "import java.util.*;", "void f() { }", "record P(int x) {}",
            "class A { int y; }", "enum E { A, B }", "var s = switch (1) { case 1 -> \"a\"; default -> \"b\"; };",
            "int x = 3; // note", "label: for (;;) { break label; }", "@FunctionalInterface interface F { void f(); }",
            "String t = \"\"\"\n  text\n  \"\"\";",
        }) {
            assertEquals("complete", status(ok), ok);
        }
    }

    @Test
    void unknownNamesAreCompleteBecauseALaterCellMayDefineThem() {
        assertEquals("complete", status("undefinedVar + 1"));
        assertEquals("complete", status("x.y.z"));
        assertEquals("complete", status("Foo f = new Foo();"));
    }

    @Test
    void openCodeIsIncompleteAndBrokenBracketsInvalidAsBefore() {
        assertEquals("incomplete", status("for (int i = 0; i < 3; i++) {"));
        assertEquals("incomplete", status("1 +"));
        assertEquals("invalid", status("}"));
        assertEquals("invalid", status("\"unterminated"));
    }
}
