package io.precis.kernel.java;

import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Whether a snippet JShell calls complete can parse at all. JShell's completeness analysis only balances
 * brackets and statement ends, so {@code int 1x = 3;} is "complete" though no following text makes it
 * compile; is_complete must say {@code invalid} for it. Only the parser runs (no attribution), so unknown
 * names and types, which a later cell may define, still count as complete.
 */
final class JavaSyntax {
    /** Longer snippets are not re-parsed: is_complete must stay fast on huge cells, and "complete" is safe. */
    static final int MAX_CHARS = 200_000;

    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();

    private JavaSyntax() {}

    /**
     * True when the snippet parses as what JShell accepts: a compilation-unit item (import, type), a class
     * member (field, method), a statement, or an expression.
     */
    static boolean parses(String snippet) {
        if (JAVAC == null || snippet.length() > MAX_CHARS) {
            return true;
        }
        return parsesAs(snippet + "\n")
                || parsesAs("class $W {\n" + snippet + "\n}")
                || parsesAs("class $W { void $m() {\n" + snippet + "\n} }")
                || parsesAs("class $W { Object $v = (\n" + withoutFinalSemicolon(snippet) + "\n); }");
    }

    /** JShell adds a semicolon to an expression ({@code 1 + 1;}); as an expression it has none. */
    private static String withoutFinalSemicolon(String snippet) {
        String t = snippet.strip();
        return t.endsWith(";") ? t.substring(0, t.length() - 1) : t;
    }

    private static boolean parsesAs(String unit) {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return unit;
            }
        };
        // An empty processor path: else javac, even with -proc:none, makes a class loader over the whole class
        // path to look for plugins, opening every jar, up to four times per is_complete, and leaves them open.
        JavacTask task = (JavacTask) JAVAC.getTask(null, null, diagnostics, List.of("-proc:none", "-Xlint:none", "-processorpath", ""),
                null, List.of(file));
        try {
            task.parse();
        } catch (IOException | RuntimeException e) {
            return true; // the parser itself failed: no evidence against the user's code
        }
        return diagnostics.getDiagnostics().stream().noneMatch(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR);
    }
}
