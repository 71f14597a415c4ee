package io.precis.dsl;

import io.precis.dsl.grammar.PrecisLexer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;

/**
 * Completion for DSL cells: given the cell and the cursor, what kind of token fits there and which
 * keywords. It reads the tokens before the word under the cursor through the grammar (see
 * {@link NextTokens}); statements before the cursor that do not parse are skipped, so one mistake
 * higher up does not stop completion further down.
 */
public final class Completion {

    private Completion() {
    }

    /** @param cursor an offset into {@code source} (clamped to its bounds) */
    public static CompletionContext at(String source, int cursor) {
        cursor = Math.max(0, Math.min(cursor, source.length()));
        String before = source.substring(0, cursor);
        CommonTokenStream stream = DslParser.lex(before);
        SourceText text = new SourceText(before);
        List<Token> tokens = DslParser.significant(stream);
        tokens = tokens.subList(0, tokens.size() - 1); // drop EOF

        // The word under the cursor: a token touching the cursor, unless it is finished punctuation.
        int replaceStart = cursor;
        boolean inString = false;
        if (!tokens.isEmpty()) {
            Token last = tokens.get(tokens.size() - 1);
            int end = text.offset(last.getStopIndex() + 1);
            if (end == cursor && isPartialWord(last)) {
                replaceStart = text.offset(last.getStartIndex());
                inString = last.getType() == PrecisLexer.UNTERMINATED_STRING;
                tokens = tokens.subList(0, tokens.size() - 1);
            }
        }
        String prefix = source.substring(replaceStart, cursor);

        NextTokens position = readStatements(tokens);
        Set<Expect> expected = EnumSet.noneOf(Expect.class);
        List<String> keywords = new ArrayList<>();
        String keywordPrefix = inString ? null : prefix.toLowerCase(Locale.ROOT);
        for (Map.Entry<Integer, List<NextTokens.Path>> e : position.expected().entrySet()) {
            int type = e.getKey();
            String keyword = Language.keyword(type);
            for (NextTokens.Path path : e.getValue()) {
                if (keyword != null && !Kinds.isName(path.enteredRules())) {
                    if (keywordPrefix != null && keyword.startsWith(keywordPrefix) && !keywords.contains(keyword)) {
                        keywords.add(keyword);
                    }
                    continue;
                }
                if (!isWordLike(type)) {
                    continue; // punctuation: nothing to complete
                }
                Kinds.innermost(path.enteredRules()).or(() -> Kinds.outermost(path.stackRules()))
                        .map(k -> k == Expect.VALUE && type == PrecisLexer.STRING ? Expect.STRING : k)
                        .filter(k -> k != Expect.STATEMENT)
                        .ifPresent(expected::add);
            }
        }
        if (!keywords.isEmpty()) {
            expected.add(Expect.KEYWORD);
        }
        return new CompletionContext(replaceStart, cursor, prefix, expected, keywords, inString);
    }

    private static boolean isWordLike(int type) {
        return type == PrecisLexer.IDENT || type == PrecisLexer.HYPHENATED || type == PrecisLexer.GLOB
                || type == PrecisLexer.NUMBER || type == PrecisLexer.STRING || type == PrecisLexer.REGEX
                || Language.keyword(type) != null;
    }

    private static boolean isPartialWord(Token t) {
        int type = t.getType();
        return type == PrecisLexer.IDENT || type == PrecisLexer.HYPHENATED || type == PrecisLexer.GLOB
                || type == PrecisLexer.NUMBER || type == PrecisLexer.BAD_NUMBER
                || type == PrecisLexer.UNTERMINATED_STRING || type == PrecisLexer.REGEX
                || Language.keyword(type) != null;
    }

    /**
     * Reads the tokens of the statement under the cursor. It starts at the last statement keyword that
     * begins a line (as error recovery does, so long cells stay cheap), or at the top if reading from
     * there fails; on a dead end it starts afresh at the next statement keyword.
     */
    private static NextTokens readStatements(List<Token> tokens) {
        int from = DslParser.lastStatementStart(tokens);
        if (from > 0) {
            NextTokens position = read(tokens, from);
            if (position != null) {
                return position;
            }
        }
        NextTokens position = read(tokens, 0);
        return position != null ? position : NextTokens.atProgramStart();
    }

    /** Reads tokens from {@code from} on, restarting after dead ends; null when the first statement is dead. */
    private static NextTokens read(List<Token> tokens, int from) {
        Set<Integer> starts = NextTokens.statementStarts();
        NextTokens position = NextTokens.atProgramStart();
        for (int i = from; i < tokens.size(); i++) {
            NextTokens next = position.read(tokens.get(i).getType());
            if (next.isDead() && i == from && from > 0) {
                return null;
            }
            if (next.isDead()) {
                int j = i + 1;
                while (j < tokens.size() && !starts.contains(tokens.get(j).getType())) {
                    j++;
                }
                position = NextTokens.atProgramStart();
                i = j - 1;
                if (j >= tokens.size()) {
                    // Inside a broken statement: nothing sensible to offer but a fresh statement.
                    return position;
                }
                continue;
            }
            position = next;
        }
        return position;
    }
}
