package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.precis.dsl.grammar.PrecisLexer;
import io.precis.dsl.grammar.PrecisParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.atn.ATNConfigSet;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.dfa.DFA;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.Test;

/** The grammar stays SLL-friendly: valid input never needs full-context prediction and is never ambiguous. */
class GrammarTest {

    private static List<String> validSources() {
        List<String> sources = new ArrayList<>();
        for (Path p : Corpus.files("valid", ".precis")) {
            sources.add(Corpus.read(p));
        }
        Language.statements().forEach(s -> sources.add(s.example()));
        Language.topics().forEach(t -> sources.add(t.example()));
        return sources;
    }

    @Test
    void validCellsParseInSllModeWithoutFullContextOrAmbiguity() {
        List<String> problems = new ArrayList<>();
        for (String source : validSources()) {
            // SLL with bail-out: the parser's fast path must take every valid cell.
            PrecisParser sll = parser(source);
            sll.setErrorHandler(new BailErrorStrategy());
            sll.getInterpreter().setPredictionMode(PredictionMode.SLL);
            sll.program();

            // LL with exact ambiguity detection: no decision should need more than SLL.
            PrecisParser ll = parser(source);
            ll.getInterpreter().setPredictionMode(PredictionMode.LL_EXACT_AMBIG_DETECTION);
            ll.addErrorListener(new BaseErrorListener() {
                @Override
                public void reportAmbiguity(Parser recognizer, DFA dfa, int startIndex, int stopIndex, boolean exact,
                                            BitSet ambigAlts, ATNConfigSet configs) {
                    problems.add("ambiguity in " + rule(dfa) + " of: " + source);
                }

                @Override
                public void reportAttemptingFullContext(Parser recognizer, DFA dfa, int startIndex, int stopIndex,
                                                        BitSet conflictingAlts, ATNConfigSet configs) {
                    problems.add("full context in " + rule(dfa) + " of: " + source);
                }
            });
            ll.program();
            assertEquals(0, ll.getNumberOfSyntaxErrors(), source);
        }
        assertEquals(List.of(), problems);
    }

    private static String rule(DFA dfa) {
        return PrecisParser.ruleNames[dfa.atnStartState.ruleIndex];
    }

    private static PrecisParser parser(String source) {
        PrecisLexer lexer = new PrecisLexer(CharStreams.fromString(source));
        lexer.removeErrorListeners();
        PrecisParser parser = new PrecisParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        return parser;
    }

    @Test
    void lexerNeverFailsAndCoversEveryCharacter() {
        String weird = "\u0000\u0007 @ { } \\ ' ` ~ ^ & | + : \" \uD83D\uDE00 /* ]] [[ re\"x";
        PrecisLexer lexer = new PrecisLexer(CharStreams.fromString(weird));
        List<String> errors = new ArrayList<>();
        lexer.removeErrorListeners();
        lexer.addErrorListener(new BaseErrorListener() {
            @Override
            public void syntaxError(org.antlr.v4.runtime.Recognizer<?, ?> r, Object o, int line, int col, String msg,
                                    org.antlr.v4.runtime.RecognitionException e) {
                errors.add(msg);
            }
        });
        int covered = 0;
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            covered += t.getText().codePointCount(0, t.getText().length());
        }
        assertEquals(List.of(), errors);
        assertEquals(weird.codePointCount(0, weird.length()), covered);
    }

    @Test
    void patternsNumbersAndWordsLexAsIntended() {
        assertEquals(List.of("GLOB:layer*", "GLOB:*.attention.*", "NUMBER:1e-3", "NUMBER:5%", "BAD_NUMBER:4bits",
                        "GLOB:0.auto_model", "HYPHENATED:llm-compressor", "IDENT:fp8_e4m3", "REGEX:re\"a\\\"b\"",
                        "STRING:\"x\"", "GLOB:encoder.layer.[0-3].*", "NUMBER:-2", "QUANTIZE:QUANTIZE", "NE:<>"),
                tokens("layer* *.attention.* 1e-3 5% 4bits 0.auto_model llm-compressor fp8_e4m3 re\"a\\\"b\" \"x\""
                        + " encoder.layer.[0-3].* -2 QUANTIZE <>"));
    }

    private static List<String> tokens(String source) {
        PrecisLexer lexer = new PrecisLexer(CharStreams.fromString(source));
        List<String> out = new ArrayList<>();
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            if (t.getChannel() == Token.DEFAULT_CHANNEL) {
                out.add(PrecisLexer.VOCABULARY.getSymbolicName(t.getType()) + ":" + t.getText());
            }
        }
        return out;
    }
}
