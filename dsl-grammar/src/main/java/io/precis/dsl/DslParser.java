package io.precis.dsl;

import io.precis.dsl.ast.Program;
import io.precis.dsl.ast.Span;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.diagnostic.Diagnostic;
import io.precis.dsl.grammar.PrecisLexer;
import io.precis.dsl.grammar.PrecisParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Parses Precis cells. Entry points: {@link #parse(String)} and {@link #isComplete(String)}.
 *
 * <p>A cell is first parsed in ANTLR's fast SLL mode, giving up at the first error. Only a cell with an
 * error is parsed again, statement by statement in full LL mode: each statement either parses or yields
 * one {@link Diagnostic}, after which parsing resumes at the next statement keyword that starts a line
 * (or follows a {@code ;}). So several mistakes are reported at once, and one mistake never hides the
 * rest of the cell. Nothing here throws on bad input.
 */
public final class DslParser {

    private DslParser() {
    }

    /** Parses a cell. Never throws for any input; problems are in {@link ParseResult#diagnostics()}. */
    public static ParseResult parse(String source) {
        return run(source).result();
    }

    /** A parse and how many of its errors are "the cell ended mid-statement". */
    private record Run(ParseResult result, int endedEarly) {
    }

    /** Deeper conditions are refused before parsing, so that recursion never runs out of stack. */
    static final int MAX_NESTING = 100;

    private static Run run(String source) {
        SourceText text = new SourceText(source);
        CommonTokenStream stream = lex(source);
        Token tooDeep = tooDeep(stream);
        if (tooDeep != null) {
            Diagnostic d = Diagnostic.error(text.span(tooDeep),
                    "condition nested more than " + MAX_NESTING + " levels deep");
            return new Run(new ParseResult(source, new Program(List.of(), whole(text)), List.of(d)), 0);
        }
        PrecisParser parser = new PrecisParser(stream);
        parser.removeErrorListeners();
        parser.setErrorHandler(new BailErrorStrategy());
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        List<Diagnostic> diagnostics = new ArrayList<>();
        AstBuilder builder = new AstBuilder(text, diagnostics);
        try {
            PrecisParser.ProgramContext program = parser.program();
            List<Statement> statements = new ArrayList<>();
            for (PrecisParser.StatementContext s : program.statement()) {
                statements.add(builder.statement(s));
            }
            return new Run(new ParseResult(source, new Program(statements, whole(text)), diagnostics), 0);
        } catch (ParseCancellationException e) {
            return parseWithRecovery(text, stream, parser, builder, diagnostics);
        }
    }

    /**
     * Whether a cell is ready to run, as Jupyter's {@code is_complete} asks: complete when it parses
     * (or holds only comments), incomplete when its only error is that it ends mid-statement, invalid
     * otherwise.
     */
    public static Completeness isComplete(String source) {
        Run run = run(source);
        long errors = run.result().diagnostics().stream().filter(Diagnostic::isError).count();
        if (errors == 0) {
            return Completeness.COMPLETE;
        }
        return errors == run.endedEarly() ? Completeness.INCOMPLETE : Completeness.INVALID;
    }

    /** The first '(' or 'not' that opens more than {@link #MAX_NESTING} levels, or null. */
    private static Token tooDeep(CommonTokenStream stream) {
        int parentheses = 0;
        int nots = 0;
        for (Token t : stream.getTokens()) {
            if (t.getChannel() != Token.DEFAULT_CHANNEL) {
                continue;
            }
            switch (t.getType()) {
                case PrecisParser.LPAREN -> parentheses++;
                case PrecisParser.RPAREN -> parentheses = Math.max(0, parentheses - 1);
                case PrecisParser.NOT -> nots++;
                default -> nots = 0;
            }
            if (t.getType() == PrecisParser.LPAREN) {
                nots = 0;
            }
            if (parentheses + nots > MAX_NESTING) {
                return t;
            }
        }
        return null;
    }

    static CommonTokenStream lex(String source) {
        PrecisLexer lexer = new PrecisLexer(CharStreams.fromString(source));
        lexer.removeErrorListeners();
        CommonTokenStream stream = new CommonTokenStream(lexer);
        stream.fill();
        return stream;
    }

    /** The default-channel tokens of a filled stream, ending with EOF. */
    static List<Token> significant(CommonTokenStream stream) {
        List<Token> out = new ArrayList<>();
        for (Token t : stream.getTokens()) {
            if (t.getChannel() == Token.DEFAULT_CHANNEL) {
                out.add(t);
            }
        }
        return out;
    }

    private static Run parseWithRecovery(SourceText text, CommonTokenStream stream, PrecisParser parser,
                                                 AstBuilder builder, List<Diagnostic> diagnostics) {
        List<Token> tokens = significant(stream);
        int[] position = new int[stream.size() + 1];
        for (int i = 0; i < tokens.size(); i++) {
            position[tokens.get(i).getTokenIndex()] = i;
        }
        Set<Integer> statementStarts = NextTokens.statementStarts();
        SyntaxErrors errors = new SyntaxErrors(text, tokens);
        List<Statement> statements = new ArrayList<>();
        parser.getInterpreter().setPredictionMode(PredictionMode.LL);
        int endedEarly = 0;
        int i = 0;
        while (tokens.get(i).getType() != Token.EOF) {
            if (tokens.get(i).getType() == PrecisParser.SEMI) {
                i++;
                continue;
            }
            parser.reset();
            stream.seek(tokens.get(i).getTokenIndex());
            int failedAt;
            try {
                PrecisParser.StatementContext statement = parser.statement();
                int next = position[stream.LT(1).getTokenIndex()];
                int type = tokens.get(next).getType();
                if (type == Token.EOF || type == PrecisParser.SEMI || statementStarts.contains(type)) {
                    statements.add(builder.statement(statement));
                    i = next;
                    continue;
                }
                failedAt = next;
            } catch (ParseCancellationException e) {
                Token offending = e.getCause() instanceof RecognitionException re && re.getOffendingToken() != null
                        ? re.getOffendingToken() : stream.LT(1);
                failedAt = position[offending.getTokenIndex()];
            }
            diagnostics.add(errors.error(i, failedAt));
            if (tokens.get(failedAt).getType() == Token.EOF) {
                endedEarly++;
            }
            i = resume(tokens, statementStarts, Math.max(failedAt, i + 1));
        }
        diagnostics.sort(Comparator.comparingInt((Diagnostic d) -> d.span().start()));
        return new Run(new ParseResult(text.text(), new Program(statements, whole(text)), diagnostics), endedEarly);
    }

    /**
     * Where to start again after an error: the first token from {@code from} on that starts a statement
     * and a line (and does not continue a condition, as {@code sensitivity} may), follows a {@code ;},
     * or is the end.
     */
    private static int resume(List<Token> tokens, Set<Integer> statementStarts, int from) {
        for (int m = from; m < tokens.size(); m++) {
            Token t = tokens.get(m);
            if (t.getType() == Token.EOF) {
                return m;
            }
            Token previous = tokens.get(m - 1);
            if (previous.getType() == PrecisParser.SEMI) {
                return m;
            }
            if (statementStarts.contains(t.getType()) && t.getLine() > previous.getLine()
                    && !continuesCondition(previous.getType())) {
                return m;
            }
        }
        return tokens.size() - 1;
    }

    /**
     * The index of the last token that starts a statement and a line (the same test as {@link #resume}),
     * or 0: where reading can start without reading the whole cell.
     */
    static int lastStatementStart(List<Token> tokens) {
        Set<Integer> starts = NextTokens.statementStarts();
        for (int m = tokens.size() - 1; m > 0; m--) {
            Token t = tokens.get(m);
            Token previous = tokens.get(m - 1);
            if (previous.getType() == PrecisParser.SEMI
                    || starts.contains(t.getType()) && t.getLine() > previous.getLine()
                    && !continuesCondition(previous.getType())) {
                return m;
            }
        }
        return 0;
    }

    private static boolean continuesCondition(int type) {
        return type == PrecisParser.WHERE || type == PrecisParser.AND || type == PrecisParser.OR
                || type == PrecisParser.NOT || type == PrecisParser.LPAREN;
    }

    private static Span whole(SourceText text) {
        return new Span(0, text.text().length(), 1, 1);
    }
}
