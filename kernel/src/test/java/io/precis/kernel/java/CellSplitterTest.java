package io.precis.kernel.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CellSplitterTest {

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

    @Test
    void splitsStatementsAndKeepsOffsetsOfTheirFirstCharacter() {
        String code = "int a = 1;\n\n  int b = a +\n    2;\n// note\na + b\n";
        List<CellSplitter.Chunk> chunks = CellSplitter.split(sca, code);
        assertEquals(3, chunks.size());
        for (CellSplitter.Chunk c : chunks) {
            assertEquals(c.source(), code.substring(c.start(), c.start() + c.source().length()));
            assertEquals(false, Character.isWhitespace(c.source().charAt(0)));
        }
        assertEquals(3, CellSplitter.lineOf(code, chunks.get(1).start()));
        assertEquals(5, CellSplitter.lineOf(code, chunks.get(2).start()));
    }

    @Test
    void chunkAtFindsTheSnippetUnderTheCursor() {
        String code = "int a = 1;\nString s = \"x\";\ns.len";
        CellSplitter.Chunk c = CellSplitter.chunkAt(sca, code, code.length());
        assertEquals("s.len", c.source());
    }

    @Test
    void caretsSitUnderTheSpan() {
        String code = "int ok = 1;\nint y = missing + 1;";
        int at = code.indexOf("missing");
        assertEquals(List.of("line 2:9:", "int y = missing + 1;", "        ^^^^^^^"),
                CellSplitter.pointAt(code, at, at + "missing".length(), 1));
        assertEquals("line 4:9:", CellSplitter.pointAt(code, at, at + 1, 3).get(0));
    }

    @Test
    void indentFollowsBraces() {
        assertEquals("    ", CellSplitter.indentAfter("for (;;) {"));
        assertEquals("        ", CellSplitter.indentAfter("class A {\n    void f() {"));
        assertEquals("  ", CellSplitter.indentAfter("  int x = 1 +"));
    }

    @Test
    void javadocBecomesReadableText() {
        String doc = "Returns the greater of two {@code int} values. See {@link Math#min(int, int) min}.<p>Second &lt;para&gt;.";
        assertEquals("Returns the greater of two int values. See min.\nSecond <para>.", Javadoc.toPlainText(doc));
        assertEquals(true, Javadoc.toHtml(doc).contains("<code>int</code>"));
        assertEquals("a &lt;b&gt; &amp; c", io.precis.engine.figure.Html.escape("a <b> & c")); // the one escaper
    }

    @Test
    void wrapperNamesAreRemovedFromMessages() {
        assertEquals("Cannot invoke \"String.length()\" because \"s\" is null",
                JavaCells.clean("Cannot invoke \"String.length()\" because \"REPL.$JShell$27.s\" is null"));
        assertEquals("cannot find symbol\n  symbol:   variable foo", JavaCells.clean("cannot find symbol\n  symbol:   variable foo\n  location: class "));
    }
}
