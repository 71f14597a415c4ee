package io.precis.dsl;

import io.precis.dsl.ast.Span;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.diagnostic.Suggest;
import io.precis.dsl.grammar.PrecisLexer;
import io.precis.dsl.grammar.PrecisParser;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.antlr.v4.runtime.Token;

/**
 * The one place that words syntax errors. Given the tokens of a cell, where the failing statement
 * starts and the token the parser stumbled on, it says what was expected there (seen through optional
 * clauses, see {@link NextTokens}), what was found, a keyword the user probably meant, or the single
 * missing token that would make the statement read on.
 */
final class SyntaxErrors {

    private static final int MAX_LISTED = 6;

    private final SourceText source;
    private final List<Token> tokens;

    /** @param tokens the cell's tokens on the default channel, ending with EOF */
    SyntaxErrors(SourceText source, List<Token> tokens) {
        this.source = source;
        this.tokens = tokens;
    }

    static boolean isBadToken(int type) {
        return type == PrecisLexer.BAD_CHARACTER || type == PrecisLexer.BAD_NUMBER
                || type == PrecisLexer.UNTERMINATED_STRING;
    }

    /** The error for the statement starting at token {@code start} that cannot read token {@code at}. */
    Diagnostic error(int start, int at) {
        Token found = tokens.get(at);
        if (isBadToken(found.getType())) {
            return badToken(found);
        }
        NextTokens position = NextTokens.afterProgram(types(start, at));
        if (position.isDead()) {
            return Diagnostic.error(source.span(found), "unexpected " + describe(found));
        }
        Map<Integer, List<NextTokens.Path>> expected = position.expected();
        if (at == start) {
            return notAStatement(found);
        }
        boolean canEnd = expected.containsKey(Token.EOF);
        List<String> listed = phrases(expected, canEnd);
        if (found.getType() == Token.EOF) {
            String message = listed.isEmpty() || listed.size() > MAX_LISTED
                    ? "incomplete statement"
                    : "incomplete statement: expected " + join(listed);
            return Diagnostic.error(source.after(tokens.get(at - 1)), message);
        }
        boolean startsLine = found.getLine() > tokens.get(at - 1).getLine();
        List<String> candidates = keywords(expected);
        if (canEnd && startsLine) {
            // A new line where a statement could start: maybe a misspelt statement, or a Java line.
            candidates.addAll(Language.statementKeywords());
        }
        Optional<String> suggestion = isWord(found)
                ? Suggest.closest(found.getText(), candidates)
                : Optional.empty();
        if (canEnd && startsLine) {
            if (suggestion.isPresent() && Language.statementKeywords().contains(suggestion.get())) {
                return Diagnostic.error(source.span(found), "unknown statement '" + found.getText() + "'")
                        .withSuggestion(suggestion);
            }
            if (suggestion.isEmpty() && CellClassifier.looksLikeJava(source.lineAt(source.span(found).start()))) {
                return notAStatement(found);
            }
        }
        if (suggestion.isEmpty()) {
            Optional<Integer> missing = missingToken(position, expected.keySet(), at, canEnd);
            if (missing.isPresent()) {
                return Diagnostic.error(source.span(found),
                        "missing " + tokenPhrase(missing.get()) + " before " + describe(found));
            }
        }
        Diagnostic d;
        if (canEnd) {
            d = Diagnostic.error(source.span(found), "unexpected " + describe(found));
            if (suggestion.isEmpty() && !listed.isEmpty() && listed.size() <= MAX_LISTED) {
                d = d.withHelp("The statement can go on with " + join(listed) + ", or end here.");
            }
        } else if (listed.size() <= MAX_LISTED) {
            d = Diagnostic.error(source.span(found), "expected " + join(listed) + " but found " + describe(found));
        } else {
            d = Diagnostic.error(source.span(found), "unexpected " + describe(found));
        }
        return d.withSuggestion(suggestion);
    }

    /** A lexical problem: a string without its closing quote, a number running into letters, a stray character. */
    Diagnostic badToken(Token t) {
        Span span = source.span(t);
        String text = t.getText();
        return switch (t.getType()) {
            case PrecisLexer.UNTERMINATED_STRING -> Diagnostic.error(span, "unterminated string")
                    .withHelp("Close it with \" on the same line.");
            case PrecisLexer.BAD_NUMBER -> {
                Diagnostic d = Diagnostic.error(span, "invalid number '" + text + "'");
                int split = 0;
                while (split < text.length() && (Character.isDigit(text.charAt(split)) || text.charAt(split) == '.')) {
                    split++;
                }
                String word = text.substring(split);
                if (Language.keywords().contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    yield d.withSuggestion(text.substring(0, split) + " " + word);
                }
                yield d.withHelp("Numbers look like 12, 0.5, 1e-3, 2k, 1M or 5%.");
            }
            default -> {
                if (text.equals("[")) {
                    yield Diagnostic.error(span, "unclosed '[' in a pattern");
                }
                if (text.equals("/") && source.text().startsWith("*", span.end())) {
                    yield Diagnostic.error(new Span(span.start(), span.end() + 1, span.line(), span.column()),
                            "unterminated comment").withHelp("Close it with */.");
                }
                if (text.equals("'")) {
                    yield Diagnostic.error(span, "unexpected character '''").withHelp("Strings use double quotes.");
                }
                int cp = text.codePointAt(0);
                String shown = Character.isISOControl(cp) || Character.isWhitespace(cp)
                        ? String.format("U+%04X", cp) : "'" + text + "'";
                yield Diagnostic.error(span, "unexpected character " + shown);
            }
        };
    }

    private Diagnostic notAStatement(Token found) {
        Span span = source.span(found);
        Optional<String> suggestion = isWord(found)
                ? Suggest.closest(found.getText(), Language.statementKeywords())
                : Optional.empty();
        if (suggestion.isPresent()) {
            return Diagnostic.error(span, "unknown statement '" + found.getText() + "'").withSuggestion(suggestion);
        }
        Diagnostic d = Diagnostic.error(span, "expected a statement but found " + describe(found));
        String line = source.lineAt(span.start()).strip();
        if (CellClassifier.looksLikeJava(line)) {
            return d.withHelp("This line looks like Java: put Java and DSL statements in separate cells.");
        }
        return d.withHelp("Statements start with " + join(Language.statementKeywords()) + ".");
    }

    /**
     * The one token that, inserted before the offending one, lets the statement read furthest. Only
     * tried where the statement cannot end (a required keyword is missing) or for a missing comma.
     */
    private Optional<Integer> missingToken(NextTokens position, Set<Integer> candidates, int at, boolean canEnd) {
        int bestScore = 0;
        Integer best = null;
        boolean tie = false;
        for (int candidate : candidates) {
            if (candidate == Token.EOF || isBadToken(candidate) || !isFixedToken(candidate)) {
                continue;
            }
            if (canEnd && candidate != PrecisParser.COMMA) {
                continue;
            }
            int score = readsOn(position.read(candidate), at);
            if (score > bestScore) {
                bestScore = score;
                best = candidate;
                tie = false;
            } else if (score == bestScore && score > 0) {
                tie = true;
            }
        }
        return best != null && !tie && bestScore >= 2 ? Optional.of(best) : Optional.empty();
    }

    /** How many tokens from {@code at} (up to 32) read without error; the cell's end counts as one. */
    private int readsOn(NextTokens position, int at) {
        int read = 0;
        for (int i = at; i < tokens.size() && i < at + 32 && !position.isDead(); i++) {
            position = position.read(tokens.get(i).getType());
            if (!position.isDead()) {
                read++;
            }
        }
        return read;
    }

    private List<Integer> types(int from, int to) {
        List<Integer> types = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            types.add(tokens.get(i).getType());
        }
        return types;
    }

    /** What may come next, grouped: "a format" rather than every word a format could be. */
    private static List<String> phrases(Map<Integer, List<NextTokens.Path>> expected, boolean canEnd) {
        TreeMap<Integer, String> literal = new TreeMap<>();
        Set<Expect> kinds = new java.util.TreeSet<>();
        for (Map.Entry<Integer, List<NextTokens.Path>> e : expected.entrySet()) {
            int type = e.getKey();
            for (NextTokens.Path path : e.getValue()) {
                Optional<Expect> kind = Kinds.outermost(path.enteredRules());
                if (kind.isPresent()) {
                    kinds.add(kind.get());
                } else if (type != Token.EOF && type != PrecisParser.SEMI) {
                    literal.put(type, tokenPhrase(type));
                }
            }
        }
        if (canEnd) {
            kinds.remove(Expect.STATEMENT);
        }
        List<String> out = new ArrayList<>(new LinkedHashSet<>(literal.values()));
        for (Expect kind : kinds) {
            out.add(kind.phrase());
        }
        return out;
    }

    /** Keywords that may come next as keywords (not as names that happen to be keywords). */
    private static List<String> keywords(Map<Integer, List<NextTokens.Path>> expected) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, List<NextTokens.Path>> e : expected.entrySet()) {
            String keyword = Language.keyword(e.getKey());
            if (keyword != null && e.getValue().stream().anyMatch(p -> !Kinds.isName(p.enteredRules()))) {
                out.add(keyword);
            }
        }
        return out;
    }

    private static boolean isFixedToken(int type) {
        return Language.keyword(type) != null || PrecisLexer.VOCABULARY.getLiteralName(type) != null;
    }

    static String tokenPhrase(int type) {
        if (type == Token.EOF) {
            return "the end of the cell";
        }
        String literal = PrecisLexer.VOCABULARY.getLiteralName(type);
        if (literal != null) {
            return literal;
        }
        String keyword = Language.keyword(type);
        if (keyword != null) {
            return "'" + keyword + "'";
        }
        return switch (type) {
            case PrecisLexer.STRING -> "a string";
            case PrecisLexer.NUMBER -> "a number";
            case PrecisLexer.REGEX -> "a regular expression";
            case PrecisLexer.NE -> "'!='";
            case PrecisLexer.EQ -> "'='";
            default -> "a name";
        };
    }

    private static boolean isWord(Token t) {
        int type = t.getType();
        return type == PrecisLexer.IDENT || type == PrecisLexer.HYPHENATED || Language.keyword(type) != null
                || (type == PrecisLexer.GLOB && t.getText().chars().allMatch(c -> Character.isLetterOrDigit(c)
                        || c == '_' || c == '.'));
    }

    static String describe(Token t) {
        if (t.getType() == Token.EOF) {
            return "the end of the cell";
        }
        String text = t.getText();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        return "'" + text + "'";
    }

    static String join(java.util.Collection<String> items) {
        List<String> list = new ArrayList<>(items);
        if (list.size() <= 1) {
            return String.join("", list);
        }
        return String.join(", ", list.subList(0, list.size() - 1)) + " or " + list.get(list.size() - 1);
    }
}
