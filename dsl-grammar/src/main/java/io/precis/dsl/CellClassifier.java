package io.precis.dsl;

import io.precis.dsl.diagnostic.Suggest;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a notebook cell is written in the Precis language or in Java, so the kernel can run
 * DSL cells without a {@code %%precis} line. Java must never be taken for DSL.
 *
 * <p>The rule, applied to the cell after leading blank lines and comments ({@code //}, {@code #},
 * {@code /* ... *}{@code /}):
 * <ol>
 *   <li>The first word (a maximal run of Java identifier characters) must be a statement keyword, in
 *       any case: {@code load use set quantize keep show evaluate sensitivity sweep search plot export}.
 *       Otherwise the cell is Java ({@code var sweep = 1;}, {@code double x = 0.002;}).</li>
 *   <li>What follows the keyword (after white space and comments) decides:
 *     <ul>
 *       <li>a letter, digit, {@code _} or {@code $} (a word or a number): DSL, except for rules 3 and 4;</li>
 *       <li>a {@code "} (a string): DSL, since no Java statement goes on with a string there;</li>
 *       <li>a {@code *} after {@code quantize}, {@code keep}, {@code sensitivity} or {@code sweep}:
 *           DSL only if the cell's first line parses as DSL, because {@code *} also multiplies
 *           ({@code sweep * over int8} is DSL, {@code quantize * 2} and {@code keep * k} are Java);</li>
 *       <li>nothing (the cell is just the keyword): DSL only if that is a whole statement
 *           ({@code evaluate}, {@code sensitivity}); {@code quantize} alone is Java, showing a variable;</li>
 *       <li>anything else continues Java: {@code ( . [ = ; , < > + - * / % & | ^ ! ? : @ ' { }} as in
 *           {@code show(plan);}, {@code load();}, {@code quantize = 3;}, {@code use.foo()},
 *           {@code keep.add(x)}, {@code set.add(1)}, {@code evaluate(model);}, {@code Set<String> s}.</li>
 *     </ul></li>
 *   <li>A Java declaration reads like DSL ({@code Sweep s = ...}): when the keyword is written like a Java
 *       type (a capital, then a lower-case letter: {@code Sweep}, {@code Set}) and is followed by a Java
 *       identifier and then {@code =}, {@code ;}, {@code ,}, {@code :}, {@code )} or the end of the cell,
 *       the cell is Java. So {@code Use minilm} alone is Java (JShell reads it as a declaration), while
 *       {@code Set seed 7} and {@code use minilm} are DSL.</li>
 *   <li>{@code instanceof} after the keyword means Java.</li>
 * </ol>
 * What remains ambiguous is only Java no one writes: a bare keyword-named variable multiplied with no
 * space after the {@code *} ({@code keep *foo}), or a lower-case type name ({@code sweep s}).
 * A cell that starts with DSL and goes on with Java is DSL; the parser then names the Java lines.
 */
public final class CellClassifier {

    private static final Set<String> PATTERN_STATEMENTS = Set.of("quantize", "keep", "sensitivity", "sweep");

    private CellClassifier() {
    }

    /** True when the cell should run as DSL. */
    public static boolean isDsl(String cell) {
        Scanner s = new Scanner(cell);
        s.skipSpaceAndComments();
        int firstLine = s.line();
        String first = s.word();
        if (first.isEmpty() || !Language.statementKeywords().contains(first.toLowerCase(Locale.ROOT))) {
            return false;
        }
        s.skipSpaceAndComments();
        if (s.atEnd()) {
            return DslParser.isComplete(cell) == Completeness.COMPLETE;
        }
        char c = s.peek();
        if (c == '"') {
            return true;
        }
        if (c == '*') {
            return PATTERN_STATEMENTS.contains(first.toLowerCase(Locale.ROOT)) && s.peekAt(1) != '='
                    && DslParser.parse(cell).diagnostics().stream()
                            .noneMatch(d -> d.isError() && d.span().line() == firstLine);
        }
        if (!Character.isJavaIdentifierPart(c) || Character.isIdentifierIgnorable(c)) {
            return false;
        }
        String second = s.word();
        if (second.equals("instanceof")) {
            return false;
        }
        if (looksLikeType(first) && isJavaIdentifier(second)) {
            s.skipSpaceAndComments();
            if (s.atEnd()) {
                return false;
            }
            char after = s.peek();
            if (after == '=' && s.peekAt(1) != '=' || after == ';' || after == ',' || after == ':' || after == ')') {
                return false;
            }
        }
        return true;
    }

    /**
     * The statement keyword a cell that failed as Java probably meant: its first word, read after blank
     * lines and comments as {@link #isDsl} reads it, is a near miss of one ({@code quantise}, {@code kep}).
     * Short words and Java's own words never count, so {@code long x = 1} is not taken for {@code load}.
     */
    /** The cell's first word after blank lines and comments (empty when there is none). */
    public static String firstWord(String cell) {
        Scanner s = new Scanner(cell);
        s.skipSpaceAndComments();
        return s.word();
    }

    public static Optional<String> misspeltStatement(String cell) {
        Scanner s = new Scanner(cell);
        s.skipSpaceAndComments();
        String first = s.word();
        if (first.length() < 4 || JAVA_WORDS.contains(first)) {
            return Optional.empty();
        }
        return Suggest.closest(first, Language.statementKeywords(), first.length() >= 6 ? 2 : 1)
                .filter(keyword -> !keyword.equalsIgnoreCase(first));
    }

    private static final Set<String> JAVA_WORDS = Set.of("void", "char", "long", "float", "double",
            "byte", "short", "boolean", "final", "static", "class", "record", "interface", "enum", "import", "return",
            "while", "switch", "throw", "public", "private", "protected", "abstract", "synchronized", "String", "this",
            "super", "yield", "assert", "break", "continue", "default", "case", "else", "extends", "implements",
            "instanceof", "native", "strictfp", "transient", "volatile", "throws", "sealed", "permits");

    /**
     * A cheap test, for error messages, that a single line is Java rather than a mistyped DSL statement:
     * it ends with {@code ;}, <code>{</code> or <code>}</code>, or holds a call or an assignment.
     */
    static boolean looksLikeJava(String line) {
        String code = line.strip();
        int comment = code.indexOf("//");
        if (comment >= 0) {
            code = code.substring(0, comment).strip();
        }
        if (code.isEmpty()) {
            return false;
        }
        char last = code.charAt(code.length() - 1);
        return last == ';' || last == '{' || last == '}' || code.matches("[\\w.$<>\\[\\]]+\\s*\\(.*")
                || code.matches("[\\w$<>\\[\\]]+\\s+[\\w$]+\\s*=[^=].*");
    }

    private static boolean looksLikeType(String word) {
        return word.length() > 1 && Character.isUpperCase(word.charAt(0)) && Character.isLowerCase(word.charAt(1));
    }

    private static boolean isJavaIdentifier(String word) {
        return !word.isEmpty() && Character.isJavaIdentifierStart(word.charAt(0));
    }

    /** Reads a cell the way Java and the DSL agree on: white space, comments, words. */
    private static final class Scanner {
        private final String text;
        private int at;

        Scanner(String text) {
            this.text = text;
        }

        /** The 1-based line of the current position. */
        int line() {
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }

        boolean atEnd() {
            return at >= text.length();
        }

        char peek() {
            return text.charAt(at);
        }

        char peekAt(int ahead) {
            return at + ahead < text.length() ? text.charAt(at + ahead) : '\0';
        }

        void skipSpaceAndComments() {
            while (!atEnd()) {
                char c = peek();
                if (Character.isWhitespace(c)) {
                    at++;
                } else if (c == '#' || c == '/' && peekAt(1) == '/') {
                    while (!atEnd() && peek() != '\n') {
                        at++;
                    }
                } else if (c == '/' && peekAt(1) == '*') {
                    int end = text.indexOf("*/", at + 2);
                    at = end < 0 ? text.length() : end + 2;
                } else {
                    return;
                }
            }
        }

        String word() {
            int start = at;
            while (!atEnd() && Character.isJavaIdentifierPart(peek()) && !Character.isIdentifierIgnorable(peek())) {
                at++;
            }
            return text.substring(start, at);
        }
    }
}
