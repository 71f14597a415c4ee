package io.precis.dsl;

import java.util.Locale;
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
 *       Otherwise the cell is Java.</li>
 *   <li>The first character after that word and any white space or comments must be one that can
 *       start the rest of a DSL statement but cannot continue a Java statement that begins with an
 *       identifier: a letter, digit, {@code _} or {@code $} (a word or number), a {@code "} (a string),
 *       or — after the pattern-taking keywords {@code quantize keep sensitivity sweep} — a {@code *} not
 *       followed by {@code =}. Anything else ({@code ( . [ = ; , < > + - * / % & | ^ ! ? : @ ' { }}
 *       and so on) continues Java: {@code show(plan);}, {@code load();}, {@code quantize = 3;},
 *       {@code use.foo()}, {@code keep.add(x)}, {@code set.add(1)}, {@code evaluate(model);},
 *       {@code Set<String> s}.</li>
 *   <li>A cell that is only the keyword (say {@code evaluate}) is DSL: a complete statement. To show
 *       a Java variable of that name, write {@code (evaluate)} or put it in a Java expression.</li>
 *   <li>Java declarations look like DSL by rule 2 ({@code Sweep s = ...}): when the keyword is written
 *       like a Java type (a capital letter then a lower-case one, as in {@code Sweep}, {@code Set}) and
 *       is followed by a Java identifier and then {@code =}, {@code ;}, {@code ,}, {@code :},
 *       {@code )} or the end of the cell, the cell is Java. DSL keywords in that spelling followed by
 *       anything else ({@code Set seed 7}) stay DSL.</li>
 *   <li>{@code instanceof} after the keyword means Java.</li>
 * </ol>
 * A cell whose first word is not a statement keyword ({@code var sweep = 1;}, {@code double x = ...})
 * is Java. Mixed cells are DSL when they start with DSL; the parser then reports the Java lines.
 */
public final class CellClassifier {

    private static final Set<String> PATTERN_STATEMENTS = Set.of("quantize", "keep", "sensitivity", "sweep");

    private CellClassifier() {
    }

    /** True when the cell should run as DSL. */
    public static boolean isDsl(String cell) {
        Scanner s = new Scanner(cell);
        s.skipSpaceAndComments();
        String first = s.word();
        if (first.isEmpty() || !Language.statementKeywords().contains(first.toLowerCase(Locale.ROOT))) {
            return false;
        }
        s.skipSpaceAndComments();
        if (s.atEnd()) {
            return true;
        }
        char c = s.peek();
        if (c == '"') {
            return true;
        }
        if (c == '*') {
            return PATTERN_STATEMENTS.contains(first.toLowerCase(Locale.ROOT)) && s.peekAt(1) != '=';
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
