package io.precis.dsl;

import io.precis.dsl.grammar.PrecisParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.ATN;
import org.antlr.v4.runtime.atn.ATNState;
import org.antlr.v4.runtime.atn.RuleStopState;
import org.antlr.v4.runtime.atn.RuleTransition;
import org.antlr.v4.runtime.atn.Transition;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Walks the parser's ATN as a non-deterministic automaton with explicit call stacks: given the tokens
 * read so far (from the start of a statement), which tokens may come next, and inside which grammar
 * rules. ANTLR's own "expected tokens" stop at the innermost rule; this sees past optional clauses and
 * the end of a statement, which is what error messages and completion need. The grammar has no
 * predicates, actions or left recursion, so the walk is exact.
 */
final class NextTokens {

    private static final ATN ATN = PrecisParser._ATN;

    /** A return address on the simulated call stack. */
    private record Frame(ATNState returnTo, Frame caller) {
    }

    /** Rules entered since the last token, outermost first. */
    private record Entered(int rule, Entered next) {
    }

    private record Config(ATNState state, Frame stack, Entered entered) {
    }

    /**
     * Where a possible next token would be read: the rules entered for it since the last token
     * (outermost first), and the rules open on the stack (innermost first).
     */
    record Path(List<Integer> enteredRules, List<Integer> stackRules) {
    }

    private final List<Config> configs;
    /** The start rule has been read to its end (for {@code program}: the EOF was read). */
    private final boolean finished;

    private NextTokens(List<Config> configs, boolean finished) {
        this.configs = configs;
        this.finished = finished;
    }

    /** The position before the first token of {@code program}. */
    static NextTokens atProgramStart() {
        return closure(List.of(new Config(ATN.ruleToStartState[PrecisParser.RULE_program], null, null)));
    }

    /** The position before the first token of the given rule, as if it were the start rule. */
    static NextTokens atRuleStart(int rule) {
        return closure(List.of(new Config(ATN.ruleToStartState[rule], null, null)));
    }

    /** After reading all {@code tokenTypes} from the program start; dead if some token could not be read. */
    static NextTokens afterProgram(List<Integer> tokenTypes) {
        NextTokens at = atProgramStart();
        for (int type : tokenTypes) {
            at = at.read(type);
            if (at.isDead()) {
                return at;
            }
        }
        return at;
    }

    /** True when the tokens read so far cannot be continued in any way (and did not finish the start rule). */
    boolean isDead() {
        return configs.isEmpty() && !finished;
    }

    /** The position after reading one more token of this type. */
    NextTokens read(int tokenType) {
        List<Config> next = new ArrayList<>();
        for (Config c : configs) {
            for (int i = 0; i < c.state.getNumberOfTransitions(); i++) {
                Transition t = c.state.transition(i);
                if (!t.isEpsilon() && t.matches(tokenType, Token.MIN_USER_TOKEN_TYPE, ATN.maxTokenType)) {
                    next.add(new Config(t.target, c.stack, null));
                }
            }
        }
        return closure(next);
    }

    /**
     * Every token type that may come next ({@link Token#EOF} included), in token-type order (which is
     * grammar order for keywords), each with the paths that read it.
     */
    Map<Integer, List<Path>> expected() {
        Map<Integer, List<Path>> out = new TreeMap<>();
        for (Config c : configs) {
            for (int i = 0; i < c.state.getNumberOfTransitions(); i++) {
                Transition t = c.state.transition(i);
                if (t.isEpsilon()) {
                    continue;
                }
                IntervalSet label = t.label();
                if (label == null) {
                    continue;
                }
                Path path = path(c);
                for (int type : label.toList()) {
                    out.computeIfAbsent(type, k -> new ArrayList<>()).add(path);
                }
            }
        }
        return out;
    }

    private static Path path(Config c) {
        List<Integer> entered = new ArrayList<>();
        for (Entered e = c.entered; e != null; e = e.next) {
            entered.add(e.rule);
        }
        // Entered was built innermost-first (a stack); report outermost first.
        java.util.Collections.reverse(entered);
        List<Integer> stack = new ArrayList<>();
        stack.add(c.state.ruleIndex);
        for (Frame f = c.stack; f != null; f = f.caller) {
            stack.add(f.returnTo.ruleIndex);
        }
        return new Path(List.copyOf(entered), List.copyOf(stack));
    }

    /** Follows every epsilon move; keeps the configurations that wait on a token. */
    private static NextTokens closure(Collection<Config> seeds) {
        List<Config> out = new ArrayList<>();
        boolean finished = false;
        Set<Object> seen = new HashSet<>();
        Deque<Config> work = new ArrayDeque<>(seeds);
        while (!work.isEmpty()) {
            Config c = work.pop();
            if (!seen.add(List.of(c.state, c.stack == null ? List.of() : c.stack))) {
                continue;
            }
            ATNState s = c.state;
            if (s instanceof RuleStopState) {
                if (c.stack != null) {
                    // A rule entered and left without reading a token is no longer "entered".
                    Entered entered = c.entered != null && c.entered.rule == s.ruleIndex ? c.entered.next : c.entered;
                    work.push(new Config(c.stack.returnTo, c.stack.caller, entered));
                } else {
                    finished = true;
                }
                continue;
            }
            boolean waits = false;
            for (int i = 0; i < s.getNumberOfTransitions(); i++) {
                Transition t = s.transition(i);
                if (t instanceof RuleTransition rt) {
                    work.push(new Config(rt.target, new Frame(rt.followState, c.stack),
                            new Entered(rt.ruleIndex, c.entered)));
                } else if (t.isEpsilon()) {
                    work.push(new Config(t.target, c.stack, c.entered));
                } else {
                    waits = true;
                }
            }
            if (waits) {
                out.add(c);
            }
        }
        return new NextTokens(out, finished);
    }

    private static final Set<Integer> STATEMENT_STARTS = java.util.Collections.unmodifiableSet(
            new java.util.LinkedHashSet<>(atRuleStart(PrecisParser.RULE_statement).expected().keySet()));

    /** All token types that can start a statement, in token-type (grammar) order. */
    static Set<Integer> statementStarts() {
        return STATEMENT_STARTS;
    }
}
