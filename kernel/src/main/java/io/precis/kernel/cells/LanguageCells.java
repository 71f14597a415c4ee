package io.precis.kernel.cells;

import io.precis.dsl.Completeness;
import io.precis.dsl.Completion;
import io.precis.dsl.CompletionContext;
import io.precis.dsl.DslParser;
import io.precis.dsl.Expect;
import io.precis.dsl.Language;
import io.precis.dsl.ParseResult;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.diagnostic.Diagnostics;
import io.precis.dsl.diagnostic.Suggest;
import io.precis.engine.format.Formats;
import io.precis.kernel.java.JavaCells;
import io.precis.kernel.protocol.ExecuteOutcome;
import io.precis.kernel.protocol.Interpreter;
import io.precis.language.Statements;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cells in the quantization language. The kernel checks syntax and Java names here, then runs each statement
 * as one Java snippet calling the language's runtime in the execution JVM, so Java variables are read when the
 * statement runs and {@code as name} becomes a Java variable of the result's real type.
 */
final class LanguageCells {

    private static final String RUNTIME = "io.precis.language.CellRuntime";

    private final JavaCells java;

    LanguageCells(JavaCells java) {
        this.java = java;
    }

    /**
     * Runs a cell of the language. {@code source} keeps the cell's line numbering (a {@code %%precis} line is
     * blanked); {@code cell} identifies the notebook cell, so running it again replaces its rules.
     */
    ExecuteOutcome run(String source, String cell) {
        ParseResult parsed = DslParser.parse(source);
        if (parsed.hasErrors()) {
            return failed("PrecisSyntaxError", Diagnostics.format(source, parsed.diagnostics()) + javaHint(source, parsed));
        }
        List<Statement> statements = parsed.program().statements();
        for (int i = 0; i < statements.size(); i++) {
            Statement st = statements.get(i);
            Map<String, String> javaVars = java.variableTypes();
            StringBuilder args = new StringBuilder();
            boolean unresolved = false;
            for (Statements.Reference ref : Statements.references(st)) {
                boolean exists = javaVars.containsKey(ref.name());
                if (!exists && ref.role() == Statements.Role.VALUE) {
                    Optional<String> closest = Suggest.closest(ref.name(), javaVars.keySet());
                    return failed("PrecisError", Diagnostics.format(source, Diagnostic.error(ref.variable().span(),
                            "unknown variable '" + ref.name() + "'").withSuggestion(closest)
                            .withHelp("A name that is not a language word is a Java variable: define it in a Java cell first")));
                }
                unresolved |= !exists;
                args.append(args.isEmpty() ? "" : ", ").append(exists ? ref.name() : "null");
            }
            String call = RUNTIME + ".exec(" + literal(cell) + ", " + literal(source) + ", " + i + ", new Object[] {" + args + "}, "
                    + (unresolved ? names(javaVars.keySet()) : "null") + ")";
            String snippet;
            if (st.binding().isPresent()) {
                Optional<String> type = Statements.resultType(st);
                if (type.isEmpty()) {
                    return failed("PrecisError", Diagnostics.format(source, Diagnostic.error(st.binding().get().span(),
                            "this statement has no result to name")));
                }
                String name = st.binding().get().text();
                snippet = type.get() + " " + name + " = (" + type.get() + ") " + call + ";";
            } else {
                snippet = "{ " + call + "; }";
            }
            ExecuteOutcome o = java.run(snippet, st.span().line());
            if (o instanceof ExecuteOutcome.Failed f) {
                return f;
            }
        }
        return ExecuteOutcome.Ok.nothing();
    }

    /** A cell that starts as the language but holds Java: say so, since the syntax error alone would puzzle. */
    private static String javaHint(String source, ParseResult parsed) {
        for (Diagnostic d : parsed.diagnostics()) {
            String[] lines = source.split("\n", -1);
            int line = d.span().line();
            if (line >= 1 && line <= lines.length) {
                String text = lines[line - 1].strip();
                String first = text.split("[\\s(]", 2)[0].toLowerCase(Locale.ROOT);
                boolean dslStart = Language.statementKeywords().contains(first);
                if (!dslStart && (text.endsWith(";") || text.endsWith("{") || text.endsWith("}") || text.matches(".*\\w\\(.*\\).*"))) {
                    return "\nThis cell is in the Precis language (its first statement is '"
                            + firstWord(source) + "'), but line " + line
                            + " looks like Java. A cell is either Java or Precis: put the Java in a cell of its own.";
                }
            }
        }
        return "";
    }

    private static String firstWord(String source) {
        for (String line : source.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("//") && !t.startsWith("#")) {
                return t.split("\\s+", 2)[0];
            }
        }
        return "";
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

    /** A Java string literal of any text (null stays null). */
    static String literal(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || (c >= 0x7f && c < 0xa0)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String names(Set<String> names) {
        StringBuilder sb = new StringBuilder("new String[] {");
        boolean first = true;
        for (String n : names) {
            sb.append(first ? "" : ", ").append(literal(n));
            first = false;
        }
        return sb.append("}").toString();
    }

    // ---- completion, inspection, completeness ----

    Interpreter.Completeness isComplete(String source) {
        Completeness c = DslParser.isComplete(source);
        return switch (c) {
            case COMPLETE -> Interpreter.Completeness.complete();
            case INCOMPLETE -> Interpreter.Completeness.incomplete("    ");
            case INVALID -> Interpreter.Completeness.invalid();
        };
    }

    @SuppressWarnings("unchecked")
    Interpreter.Completion complete(String source, int cursor) {
        CompletionContext ctx = Completion.at(source, cursor);
        String prefix = ctx.prefix();
        Set<String> out = new TreeSet<>();
        List<Interpreter.CompletionItem> items = new ArrayList<>();
        Map<String, String> vars = ctx.expects(Expect.VARIABLE) || ctx.expects(Expect.MODEL) || ctx.expects(Expect.DATASET)
                ? java.variableTypes() : Map.of();
        add(out, items, ctx, ctx.keywords(), "keyword");
        if (ctx.expects(Expect.FORMAT)) {
            add(out, items, ctx, Formats.names(), "format");
        }
        if (ctx.expects(Expect.MODEL)) {
            Set<String> models = new LinkedHashSet<>(remoteNames("models"));
            vars.forEach((n, t) -> {
                if (t.endsWith("Model")) {
                    models.add(n);
                }
            });
            add(out, items, ctx, models, "model");
        }
        if (ctx.expects(Expect.DATASET)) {
            Set<String> data = new LinkedHashSet<>(remoteNames("datasets"));
            vars.forEach((n, t) -> {
                if (t.endsWith("Dataset") || t.endsWith("SentenceSet") || t.endsWith("ImageSet") || t.endsWith("TextCorpus")) {
                    data.add(n);
                }
            });
            add(out, items, ctx, data, "dataset");
        }
        if (ctx.expects(Expect.PATTERN)) {
            add(out, items, ctx, layerPatterns(prefix), "layer");
        }
        if (ctx.expects(Expect.VARIABLE)) {
            add(out, items, ctx, vars.keySet(), "variable");
        }
        if (ctx.expects(Expect.SETTING)) {
            add(out, items, ctx, List.of("metric", "seed", "samples", "device"), "setting");
        }
        return new Interpreter.Completion(List.copyOf(out), ctx.replaceStart(), ctx.replaceEnd(), items);
    }

    private static void add(Set<String> out, List<Interpreter.CompletionItem> items, CompletionContext ctx, Iterable<String> words,
                            String type) {
        String prefix = ctx.prefix().toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (w.toLowerCase(Locale.ROOT).startsWith(prefix) && out.add(w)) {
                items.add(new Interpreter.CompletionItem(w, ctx.replaceStart(), ctx.replaceEnd(), type, null));
            }
        }
    }

    /** Layer names of the model in use, and each dotted suffix of them ("attention.self.query", "query"). */
    private List<String> layerPatterns(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String name : remoteNames("layers")) {
            out.add(name);
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                out.add(name.substring(dot + 1));
            }
        }
        return List.copyOf(out);
    }

    @SuppressWarnings("unchecked")
    private List<String> remoteNames(String what) {
        Object o = java.remote("precis.names", what);
        return o instanceof List<?> l ? (List<String>) l : List.of();
    }

    /** A layer name under the cursor shows its row of the layer table; a keyword, its help. */
    Interpreter.Inspection inspect(String source, int cursor) {
        int start = cursor;
        while (start > 0 && isNameChar(source.charAt(start - 1))) {
            start--;
        }
        int end = cursor;
        while (end < source.length() && isNameChar(source.charAt(end))) {
            end++;
        }
        String word = source.substring(start, end);
        if (word.isEmpty()) {
            return Interpreter.Inspection.NOT_FOUND;
        }
        Object row = java.remote("precis.layer", word);
        if (row instanceof String text) {
            return new Interpreter.Inspection(true, text, "<pre>" + Tables.escape(text) + "</pre>");
        }
        Optional<String> help = Language.help(word);
        if (help.isPresent()) {
            return new Interpreter.Inspection(true, help.get(), "<pre>" + Tables.escape(help.get()) + "</pre>");
        }
        try {
            String f = Formats.parse(word).toString();
            String text = f + ": " + Formats.parse(word).bitsPerWeight() + " bits per weight (scales included)";
            return new Interpreter.Inspection(true, text, "<pre>" + Tables.escape(text) + "</pre>");
        } catch (IllegalArgumentException e) {
            return Interpreter.Inspection.NOT_FOUND;
        }
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    /** Escapes HTML for inspection text. */
    private static final class Tables {
        static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }
    }
}
