package io.precis.kernel.cells;

import io.precis.engine.figure.Html;
import io.precis.kernel.exec.LanguageBridge;
import io.precis.kernel.java.JavaCells;
import io.precis.kernel.java.JavaLiteral;
import io.precis.kernel.protocol.ExecuteOutcome;
import io.precis.kernel.protocol.Interpreter;
import io.precis.language.CellLanguage;
import io.precis.language.CellText;
import io.precis.language.JavaHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cells in the Precis language, through {@link CellLanguage}: the language checks and orders a cell, and this
 * class is its {@link JavaHost}. The cell crosses to the execution JVM once ({@code precis.cell}); its
 * statements then run as small Java snippets calling {@link LanguageBridge#statements}, one per run of
 * statements up to an {@code as name}, so Java variables are read when the statements run and {@code as name}
 * becomes a Java variable of the result's real type.
 * The whole path is described in docs/ARCHITECTURE.md.
 */
final class LanguageCells {

    private final JavaCells java;
    private final CellLanguage language;

    LanguageCells(JavaCells java, CellLanguage language) {
        this.java = java;
        this.language = language;
    }

    boolean isLanguageCell(String code) {
        return language.isLanguageCell(code);
    }

    /**
     * Runs a cell of the language. {@code source} keeps the cell's line numbering (a {@code %%precis} line is
     * blanked); {@code cell} identifies the notebook cell, so running it again replaces its rules.
     */
    ExecuteOutcome run(String source, String cell) {
        Host host = new Host();
        return switch (language.run(source, cell, host)) {
            case CellLanguage.Outcome.Done d -> ExecuteOutcome.Ok.nothing();
            case CellLanguage.Outcome.Failed f -> failed(f.ename(), f.formatted());
            case CellLanguage.Outcome.HostFailed h -> host.failure;
        };
    }

    /** The Java session as the language sees it, for one cell; keeps the failure a statement ended with. */
    private final class Host implements JavaHost {
        private ExecuteOutcome.Failed failure;

        @Override
        public Map<String, String> variableTypes() {
            return java.variableTypes();
        }

        @Override
        public boolean sendCell(CellText cell) {
            Object answer = java.sendToExecution("precis.cell", cell.toArray());
            if (answer instanceof ExecuteOutcome.Failed f) {
                failure = f;
            } else if (answer instanceof String formatted) {
                failure = failed("PrecisError", formatted);
            }
            return failure == null;
        }

        @Override
        public boolean runStatements(StatementCall call) {
            StringBuilder args = new StringBuilder();
            for (String a : call.arguments()) {
                args.append(args.isEmpty() ? "" : ", ").append(a == null ? "null" : a);
            }
            String invoke = LanguageBridge.class.getName() + ".statements(" + call.from() + ", " + call.to() + ", new Object[] {" + args + "}, "
                    + (call.javaNames() == null ? "null" : names(call.javaNames())) + ")";
            String snippet;
            if (call.bindName() != null) {
                String type = call.bindType().getCanonicalName();
                snippet = type + " " + call.bindName() + " = (" + type + ") " + invoke + ";";
            } else {
                snippet = "{ " + invoke + "; }";
            }
            ExecuteOutcome o = java.run(snippet, call.line());
            if (o instanceof ExecuteOutcome.Failed f) {
                failure = f;
                return false;
            }
            return true;
        }

        @Override
        public Object ask(CellLanguage.Question question, String argument) {
            return java.remote("precis.ask", new String[] {question.name(), argument});
        }
    }

    private static ExecuteOutcome.Failed failed(String ename, String formatted) {
        String[] lines = formatted.split("\n", -1);
        List<String> tb = new ArrayList<>();
        tb.add("\u001b[0;31m" + ename + "\u001b[0m: " + lines[0]);
        for (int i = 1; i < lines.length; i++) {
            tb.add(lines[i]);
        }
        return new ExecuteOutcome.Failed(ename, lines[0], tb);
    }

    private static String names(List<String> names) {
        StringBuilder sb = new StringBuilder("new String[] {");
        boolean first = true;
        for (String n : names) {
            sb.append(first ? "" : ", ").append(JavaLiteral.of(n));
            first = false;
        }
        return sb.append("}").toString();
    }

    // ---- completion, inspection, completeness ----

    Interpreter.Completeness isComplete(String source) {
        return switch (language.isComplete(source)) {
            case COMPLETE -> Interpreter.Completeness.complete();
            case INCOMPLETE -> Interpreter.Completeness.incomplete("    ");
            case INVALID -> Interpreter.Completeness.invalid();
        };
    }

    Interpreter.Completion complete(String source, int cursor) {
        CellLanguage.Completions c = language.complete(source, cursor, new Host());
        List<Interpreter.CompletionItem> items = c.items().stream()
                .map(i -> new Interpreter.CompletionItem(i.text(), c.start(), c.end(), i.type(), null)).toList();
        return new Interpreter.Completion(c.sortedTexts(), c.start(), c.end(), items);
    }

    /** A layer name under the cursor shows its row of the layer table; a keyword, its help; a format, its size. */
    Interpreter.Inspection inspect(String source, int cursor) {
        Optional<String> text = language.inspect(source, cursor, new Host());
        return text.map(t -> new Interpreter.Inspection(true, t, "<pre>" + Html.escape(t) + "</pre>"))
                .orElse(Interpreter.Inspection.NOT_FOUND);
    }
}
