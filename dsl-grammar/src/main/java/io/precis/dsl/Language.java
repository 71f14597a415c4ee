package io.precis.dsl;

import io.precis.dsl.ast.Statement;
import io.precis.dsl.grammar.PrecisLexer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The language's vocabulary and reference text, from one source so they cannot drift: the keywords come
 * from the generated lexer, the statement keywords from the grammar's start rule, and the help below is
 * checked by tests against both (every keyword documented, every documented word a keyword, every
 * example parsed into the statement it documents). A statement's help sits on its AST record
 * ({@link Statement.Help}); topics, settings and metrics are listed here. {@code %precis help} and completion read from here;
 * the list of formats belongs to the engine and is added by whoever renders the help.
 */
public final class Language {

    /** Help for one statement form. {@code synopsis} writes literal words as is and placeholders as {@code <...>}. */
    public record StatementHelp(String name, String synopsis, String summary, String example) {
    }

    /** Help for a part of the language that is not a statement (patterns, conditions, numbers, syntax). */
    public record TopicHelp(String name, String synopsis, String text, String example) {
    }

    /**
     * Every statement form's help, in the order the sealed {@link Statement} declares its records: each record
     * carries its own {@link Statement.Help}, so a new statement brings its help with it.
     */
    private static final List<StatementHelp> STATEMENTS = statementHelp();

    private static List<StatementHelp> statementHelp() {
        List<StatementHelp> out = new ArrayList<>();
        for (Class<?> kind : Statement.class.getPermittedSubclasses()) {
            for (Statement.Help h : kind.getAnnotationsByType(Statement.Help.class)) {
                out.add(new StatementHelp(h.name(), h.synopsis(), h.summary(), h.example()));
            }
        }
        return List.copyOf(out);
    }

    private static final List<TopicHelp> TOPICS = List.of(
            new TopicHelp("syntax",
                    "<statement> [as <name>]",
                    "One statement per line or several separated by ';'; a statement may span lines. Keywords"
                            + " are case-insensitive. Comments start with // or # and run to the end of the line, or sit between /* and */. Any statement may end with"
                            + " 'as <name>' to bind its result as a Java variable for the next Java cell; a name"
                            + " that is not a keyword is a Java variable of the session.",
                    "sweep * over int8, int4 as curve"),
            new TopicHelp("patterns",
                    "<glob> | \"<name>\" | re\"<regex>\", ...",
                    "Layer patterns are globs: * any run of characters (dots included), ? one character,"
                            + " [...] a class. A pattern matches a layer when it matches the whole name or the"
                            + " part after any dot, so layer* matches encoder.layer.3.output.dense and query"
                            + " matches every ...self.query. Quote names holding other characters; regular"
                            + " expressions only through re\"...\".",
                    "keep pooler*, *.LayerNorm, re\"encoder\\.layer\\.(0|11)\\..*\""),
            new TopicHelp("conditions",
                    "where sensitivity | params | kind | name | index <comparison> <value>"
                            + " [and | or <condition>] | not <condition> | (<condition>)",
                    "Conditions test each layer. Comparisons: <, <=, >, >=, =, !=. Values: numbers, \"strings\","
                            + " and Java variables of the session. not binds tighter than and, and tighter than or.",
                    "quantize * to int8 where params > 1M and not kind = \"embedding\""),
            new TopicHelp("numbers",
                    "<digits>[.<digits>][<exponent>][<suffix>]",
                    "Numbers may carry a suffix, in any case: 2k is 2000, 1M a million, 3B (or 3G) three billion, 5% is 0.05;"
                            + " 1e-3 is 0.001.",
                    "quantize * to int4 where params >= 2k and sensitivity < 1e-3"));

    private static final List<String> KEYWORDS;
    private static final String[] KEYWORD_BY_TYPE;
    private static final List<String> STATEMENT_KEYWORDS;

    static {
        String[] byType = new String[PrecisLexer.VOCABULARY.getMaxTokenType() + 1];
        List<String> keywords = new ArrayList<>();
        for (int type = 1; type < byType.length; type++) {
            String literal = PrecisLexer.VOCABULARY.getLiteralName(type);
            if (literal != null && literal.matches("'[a-z]+'")) {
                byType[type] = literal.substring(1, literal.length() - 1);
                keywords.add(byType[type]);
            }
        }
        KEYWORD_BY_TYPE = byType;
        KEYWORDS = List.copyOf(keywords);
        Set<String> starts = new LinkedHashSet<>();
        for (int type : NextTokens.statementStarts()) {
            starts.add(keyword(type));
        }
        STATEMENT_KEYWORDS = List.copyOf(starts);
    }

    private Language() {
    }

    /** A session setting {@code set} changes: its name, the values it takes (in words) and its default. */
    public record Setting(String name, String values, String defaultValue) {
    }

    /** The metrics {@code set metric} takes; {@code default} is Δloss where the data has targets, else cosine. */
    public static final List<String> METRICS = List.of("default", "loss", "kl", "cosine", "sqnr", "weight_sqnr", "fisher", "hessian");

    /** Every setting, in the order help and completion list them; the runtime starts from these defaults. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("metric", String.join(" | ", METRICS), "default"),
            new Setting("seed", "a whole number", "0"),
            new Setting("samples", "a positive whole number", "256"),
            new Setting("context", "a whole number of tokens from 2 (language models: the text is cut into windows of"
                    + " this many tokens; unset, a model with a position table reads windows of its table)", "256"),
            new Setting("device", "cpu | gpu", "cpu"),
            new Setting("cluster", "none | \"local[N]\" | \"spark://host:7077\" (needs the precis-spark jar)", "none"),
            new Setting("calibration", "a positive whole number of samples (GPTQ, AWQ)", "128"),
            new Setting("sequential", "yes | no (GPTQ, AWQ: each layer calibrated on the outputs of the already quantized layers before it)", "no"));

    /** The settings' names: metric, seed, samples, context, device, cluster, ... */
    public static List<String> settingNames() {
        return SETTINGS.stream().map(Setting::name).toList();
    }

    /** Every keyword, lower case, in grammar order. */
    public static List<String> keywords() {
        return KEYWORDS;
    }

    /** The keywords a statement can start with: load, use, set, quantize, keep, show, evaluate, ... */
    public static List<String> statementKeywords() {
        return STATEMENT_KEYWORDS;
    }

    /** True for a keyword, ignoring case. */
    public static boolean isKeyword(String word) {
        return KEYWORDS.contains(word.toLowerCase(Locale.ROOT));
    }

    /** The keyword of a token type, or null when the type is not a keyword. */
    static String keyword(int tokenType) {
        return tokenType > 0 && tokenType < KEYWORD_BY_TYPE.length ? KEYWORD_BY_TYPE[tokenType] : null;
    }

    public static List<StatementHelp> statements() {
        return STATEMENTS;
    }

    public static List<TopicHelp> topics() {
        return TOPICS;
    }

    /** The names {@link #help(String)} answers to: statements, their first keywords, topics. */
    public static List<String> helpTopics() {
        Set<String> names = new LinkedHashSet<>();
        for (StatementHelp s : STATEMENTS) {
            names.add(s.name());
            names.add(s.name().split(" ")[0]);
        }
        for (TopicHelp t : TOPICS) {
            names.add(t.name());
        }
        return List.copyOf(names);
    }

    /** The language reference's first page: every statement in one line each, then the topics. */
    public static String overview() {
        StringBuilder out = new StringBuilder("Precis statements (any may end with 'as <name>'):\n");
        int width = STATEMENTS.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (StatementHelp s : STATEMENTS) {
            out.append("  ").append(s.name()).append(" ".repeat(width - s.name().length() + 2))
                    .append(s.summary()).append('\n');
        }
        out.append("Topics: ");
        List<String> topics = new ArrayList<>();
        for (TopicHelp t : TOPICS) {
            topics.add(t.name());
        }
        out.append(String.join(", ", topics)).append(". Ask for help on a statement or topic for details.");
        return out.toString();
    }

    /**
     * Help on a statement ({@code quantize}, {@code show plan}; {@code show} gives both show forms) or a
     * topic ({@code patterns}, {@code conditions}, {@code numbers}, {@code syntax}); empty when unknown
     * (offer {@link io.precis.dsl.diagnostic.Suggest#closest} over {@link #helpTopics()}).
     */
    public static Optional<String> help(String topic) {
        String wanted = topic.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        List<String> parts = new ArrayList<>();
        for (StatementHelp s : STATEMENTS) {
            if (s.name().equals(wanted) || s.name().split(" ")[0].equals(wanted)) {
                String settings = s.name().equals("set") ? settingsHelp() : "";
                parts.add(s.name() + " — " + s.summary() + "\n  " + s.synopsis() + " [as <name>]" + settings + "\n  e.g. "
                        + s.example());
            }
        }
        for (TopicHelp t : TOPICS) {
            if (t.name().equals(wanted)) {
                parts.add(t.name() + " — " + t.text() + "\n  " + t.synopsis() + "\n  e.g. " + t.example());
            }
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("\n\n", parts));
    }

    private static String settingsHelp() {
        StringBuilder sb = new StringBuilder();
        for (Setting st : SETTINGS) {
            sb.append("\n    ").append(st.name()).append(": ").append(st.values()).append(" (default ").append(st.defaultValue()).append(')');
        }
        return sb.toString();
    }
}
