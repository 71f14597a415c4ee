package io.precis.language;

import io.precis.dsl.CellClassifier;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The Precis language behind {@link CellLanguage}: the kernel side checks and orders, {@link CellRuntime} runs. */
final class PrecisCells implements CellLanguage {

    static final PrecisCells CURRENT = new PrecisCells(PrecisSession.current());

    private final CellRuntime runtime;

    PrecisCells(PrecisSession session) {
        this.runtime = new CellRuntime(session);
    }

    // ---- kernel JVM ----

    @Override
    public boolean isLanguageCell(String code) {
        return CellClassifier.isDsl(code);
    }

    @Override
    public Completeness isComplete(String source) {
        // Too long to run: "complete", so that Enter sends it and the refusal says why.
        return source.length() > MAX_CELL_CHARS ? Completeness.COMPLETE : DslParser.isComplete(source);
    }

    /** Syntax errors shown at most; a cell with more says how many it left out. */
    static final int MAX_ERRORS_SHOWN = 20;

    @Override
    public Outcome run(String source, String cellId, JavaHost host) {
        if (source.length() > MAX_CELL_CHARS) {
            return new Outcome.Failed("PrecisError", tooLong(source));
        }
        ParseResult parsed = DslParser.parse(source);
        if (parsed.hasErrors()) {
            return new Outcome.Failed("PrecisSyntaxError", syntaxErrors(source, parsed.diagnostics()) + javaHint(source, parsed));
        }
        List<Statement> statements = parsed.program().statements();
        List<List<Statements.Reference>> references = Statements.references(statements);
        boolean sent = false;
        int from = 0;
        while (from < statements.size()) {
            // Java variables change only through 'as name', so they are read once for the statements up to the
            // next binding, which run in one call: a long cell costs a few calls, not one per statement.
            Map<String, String> javaVars = host.variableTypes();
            Outcome stop = null;
            String bindName = null;
            Class<?> bindType = null;
            int to = from;
            while (to < statements.size() && stop == null && bindName == null) {
                Statement st = statements.get(to);
                stop = unknownValue(source, references.get(to), javaVars);
                if (stop == null && st.binding().isPresent()) {
                    Optional<Class<?>> type = Statements.resultType(st);
                    if (type.isEmpty()) {
                        stop = new Outcome.Failed("PrecisError", Diagnostics.format(source, Diagnostic.error(st.binding().get().span(),
                                "this statement has no result to name").withHelp("'use' and 'set' make nothing to name: remove 'as "
                                + st.binding().get().text() + "'")));
                    } else {
                        bindName = st.binding().get().text();
                        bindType = type.get();
                    }
                }
                if (stop == null) {
                    to++;
                }
            }
            if (to > from) {
                if (!sent) {
                    if (!host.sendCell(new CellText(cellId, source,
                            references.stream().map(refs -> refs.stream().map(Statements.Reference::name).toList()).toList()))) {
                        return new Outcome.HostFailed();
                    }
                    sent = true;
                }
                List<String> args = new ArrayList<>();
                boolean unresolved = false;
                Set<String> seen = new java.util.HashSet<>();
                for (int i = from; i < to; i++) {
                    for (Statements.Reference ref : references.get(i)) {
                        if (seen.add(ref.name())) {
                            boolean exists = javaVars.containsKey(ref.name());
                            unresolved |= !exists;
                            args.add(exists ? ref.name() : null);
                        }
                    }
                }
                JavaHost.StatementCall call = new JavaHost.StatementCall(from, to, args, unresolved ? List.copyOf(javaVars.keySet()) : null,
                        bindName, bindType, statements.get(from).span().line());
                if (!host.runStatements(call)) {
                    return new Outcome.HostFailed();
                }
            }
            if (stop != null) {
                return stop;
            }
            from = to;
        }
        return new Outcome.Done();
    }

    /** A name used as a value that is no Java variable stops the cell before that statement runs. */
    private static Outcome unknownValue(String source, List<Statements.Reference> refs, Map<String, String> javaVars) {
        for (Statements.Reference ref : refs) {
            if (!javaVars.containsKey(ref.name()) && ref.role() == Statements.Role.VALUE) {
                Optional<String> closest = Suggest.closest(ref.name(), javaVars.keySet());
                return new Outcome.Failed("PrecisError", Diagnostics.format(source, Diagnostic.error(ref.variable().span(),
                        "unknown variable '" + ref.name() + "'").withSuggestion(closest)
                        .withHelp("A name that is not a language word is a Java variable: define it in a Java cell first")));
            }
        }
        return null;
    }

    private static String tooLong(String source) {
        long lines = source.chars().filter(c -> c == '\n').count() + 1;
        return String.format(Locale.ROOT, "line 1:1: this cell is too long for the Precis language: %,d characters on %,d lines; "
                + "a cell holds at most %,d characters.%nSplit it into several cells, or build the rules in Java "
                + "(io.precis.language.PrecisSession.current()).", source.length(), lines, MAX_CELL_CHARS);
    }

    /** The first {@link #MAX_ERRORS_SHOWN} syntax errors, and how many more there are. */
    private static String syntaxErrors(String source, List<Diagnostic> diagnostics) {
        if (diagnostics.size() <= MAX_ERRORS_SHOWN) {
            return Diagnostics.format(source, diagnostics);
        }
        return Diagnostics.format(source, diagnostics.subList(0, MAX_ERRORS_SHOWN))
                + String.format(Locale.ROOT, "%n... and %,d more syntax errors (the first %d are shown)", diagnostics.size() - MAX_ERRORS_SHOWN,
                MAX_ERRORS_SHOWN);
    }

    /** A cell that starts as the language but holds Java: say so, since the syntax error alone would puzzle. */
    private static String javaHint(String source, ParseResult parsed) {
        String[] lines = source.split("\n", -1); // once: a cell may have thousands of errors
        for (Diagnostic d : parsed.diagnostics()) {
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

    @Override
    public Completions complete(String source, int cursor, JavaHost host) {
        CompletionContext ctx = Completion.at(source, cursor);
        Set<String> seen = new java.util.HashSet<>();
        List<Completions.Item> items = new ArrayList<>();
        Map<String, String> vars = ctx.expects(Expect.VARIABLE) || ctx.expects(Expect.MODEL) || ctx.expects(Expect.DATASET)
                ? host.variableTypes() : Map.of();
        add(seen, items, ctx, ctx.keywords(), "keyword");
        if (ctx.expects(Expect.FORMAT)) {
            add(seen, items, ctx, Formats.names(), "format");
        }
        if (ctx.expects(Expect.MODEL)) {
            Set<String> models = new LinkedHashSet<>(names(host, "models"));
            vars.forEach((n, t) -> {
                if (t.endsWith("Model")) {
                    models.add(n);
                }
            });
            add(seen, items, ctx, models, "model");
        }
        if (ctx.expects(Expect.DATASET)) {
            Set<String> data = new LinkedHashSet<>(names(host, "datasets"));
            vars.forEach((n, t) -> {
                if (t.endsWith("Dataset") || t.endsWith("SentenceSet") || t.endsWith("ImageSet") || t.endsWith("TextCorpus")) {
                    data.add(n);
                }
            });
            add(seen, items, ctx, data, "dataset");
        }
        if (ctx.expects(Expect.PATTERN)) {
            add(seen, items, ctx, layerPatterns(host), "layer");
        }
        if (ctx.expects(Expect.VARIABLE)) {
            add(seen, items, ctx, vars.keySet(), "variable");
        }
        if (ctx.expects(Expect.SETTING)) {
            add(seen, items, ctx, Language.settingNames(), "setting");
        }
        return new Completions(items, ctx.replaceStart(), ctx.replaceEnd());
    }

    private static void add(Set<String> seen, List<Completions.Item> items, CompletionContext ctx, Iterable<String> words, String type) {
        String prefix = ctx.prefix().toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (w.toLowerCase(Locale.ROOT).startsWith(prefix) && seen.add(w)) {
                items.add(new Completions.Item(w, type));
            }
        }
    }

    /** Layer names of the model in use, and each dotted suffix of them ("attention.self.query", "query"). */
    private static List<String> layerPatterns(JavaHost host) {
        Set<String> out = new TreeSet<>();
        for (String name : names(host, "layers")) {
            out.add(name);
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                out.add(name.substring(dot + 1));
            }
        }
        return List.copyOf(out);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(JavaHost host, String what) {
        Object o = host.ask(Question.NAMES, what);
        return o instanceof List<?> l ? (List<String>) l : List.of();
    }

    @Override
    public Optional<String> inspect(String source, int cursor, JavaHost host) {
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
            return Optional.empty();
        }
        if (host.ask(Question.LAYER, word) instanceof String row) {
            return Optional.of(row);
        }
        Optional<String> help = Language.help(word);
        if (help.isPresent()) {
            return help;
        }
        try {
            String f = Formats.parse(word).toString();
            return Optional.of(f + ": " + Formats.parse(word).bitsPerWeight() + " bits per weight (scales included)");
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    // ---- execution JVM ----

    @Override
    public void output(Output out) {
        runtime.session().output(out);
    }

    @Override
    public void receiveCell(CellText cell) {
        runtime.receiveCell(cell);
    }

    @Override
    public Object runStatements(int from, int to, Object[] values, String[] javaNames) {
        return runtime.runStatements(from, to, values, javaNames);
    }

    @Override
    public Object answer(Question question, String argument) {
        return switch (question) {
            case NAMES -> new ArrayList<>(runtime.names(argument));
            case LAYER -> runtime.describeLayer(argument);
        };
    }
}
