package io.precis.engine.plan;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which layers a rule names. A glob ({@code *} any run of characters, dots included; {@code ?} one character;
 * {@code [...]} a class) matches a layer when it matches the whole name or the part after any dot, so
 * {@code layer*} matches {@code encoder.layer.3.output.dense} and {@code query} every {@code ...self.query}.
 * A regular expression ({@code re"..."} in the language) must match the whole name.
 */
public sealed interface LayerPattern {

    /** The pattern as written. */
    String text();

    boolean matches(String layerName);

    /**
     * Whether the pattern names this layer without wildcards: the exact name, or an exact dotted suffix such as
     * {@code word_embeddings}. Only such a rule may quantize a layer that stays at full precision by default.
     */
    boolean namesExactly(String layerName);

    static LayerPattern glob(String glob) {
        return new Glob(glob);
    }

    static LayerPattern regex(String regex) {
        return new Regex(regex);
    }

    /**
     * A glob, matched by hand rather than by regex: resolving a plan matches every rule's patterns against
     * every layer, and a small matcher with a literal-prefix check is several times faster.
     */
    record Glob(String text, Token[] tokens, String literalPrefix, boolean literal) implements LayerPattern {

        /** One glob element: a literal character, {@code ?}, {@code *}, or a character class. */
        record Token(char kind, char c, String set, boolean negated) {
            boolean accepts(char x) {
                return switch (kind) {
                    case 'l' -> x == c;
                    case '?' -> true;
                    case '[' -> inSet(x) != negated;
                    default -> false;
                };
            }

            private boolean inSet(char x) {
                for (int i = 0; i < set.length(); i++) {
                    if (i + 2 < set.length() && set.charAt(i + 1) == '-') {
                        if (x >= set.charAt(i) && x <= set.charAt(i + 2)) {
                            return true;
                        }
                        i += 2;
                    } else if (set.charAt(i) == x) {
                        return true;
                    }
                }
                return false;
            }
        }

        public Glob(String text) {
            this(text, tokenize(text), prefixOf(text), text.chars().noneMatch(c -> c == '*' || c == '?' || c == '['));
        }

        private static Token[] tokenize(String glob) {
            if (glob.isEmpty()) {
                throw new IllegalArgumentException("an empty layer pattern");
            }
            java.util.List<Token> out = new java.util.ArrayList<>();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                switch (c) {
                    case '*' -> {
                        if (out.isEmpty() || out.get(out.size() - 1).kind() != '*') {
                            out.add(new Token('*', c, null, false));
                        }
                    }
                    case '?' -> out.add(new Token('?', c, null, false));
                    case '[' -> {
                        int end = glob.indexOf(']', i + 2);
                        if (end < 0) {
                            throw new IllegalArgumentException("unclosed [ in layer pattern '" + glob + "'");
                        }
                        String body = glob.substring(i + 1, end);
                        boolean negated = body.startsWith("!") || body.startsWith("^");
                        out.add(new Token('[', c, negated ? body.substring(1) : body, negated));
                        i = end;
                    }
                    default -> out.add(new Token('l', c, null, false));
                }
            }
            return out.toArray(Token[]::new);
        }

        private static String prefixOf(String glob) {
            int i = 0;
            while (i < glob.length() && "*?[".indexOf(glob.charAt(i)) < 0) {
                i++;
            }
            return glob.substring(0, i);
        }

        @Override
        public boolean matches(String layerName) {
            if (matchesFrom(layerName, 0)) {
                return true;
            }
            for (int dot = layerName.indexOf('.'); dot >= 0; dot = layerName.indexOf('.', dot + 1)) {
                if (matchesFrom(layerName, dot + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the glob matches {@code s} from {@code from} to its end (classic star backtracking, linear in practice). */
        private boolean matchesFrom(String s, int from) {
            if (!s.startsWith(literalPrefix, from)) {
                return false;
            }
            int si = from;
            int ti = 0;
            int starT = -1;
            int starS = -1;
            while (si < s.length()) {
                if (ti < tokens.length && tokens[ti].kind() != '*' && tokens[ti].accepts(s.charAt(si))) {
                    si++;
                    ti++;
                } else if (ti < tokens.length && tokens[ti].kind() == '*') {
                    starT = ti++;
                    starS = si;
                } else if (starT >= 0) {
                    ti = starT + 1;
                    si = ++starS;
                } else {
                    return false;
                }
            }
            while (ti < tokens.length && tokens[ti].kind() == '*') {
                ti++;
            }
            return ti == tokens.length;
        }

        @Override
        public boolean namesExactly(String layerName) {
            return literal && (layerName.equals(text) || layerName.endsWith("." + text));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Glob g && g.text.equals(text);
        }

        @Override
        public int hashCode() {
            return text.hashCode();
        }

        @Override
        public String toString() {
            return text;
        }
    }

    record Regex(String text, Pattern compiled) implements LayerPattern {

        public Regex(String text) {
            this(text, compileRegex(text));
        }

        private static Pattern compileRegex(String regex) {
            try {
                return Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regular expression re\"" + regex + "\": " + e.getDescription(), e);
            }
        }

        @Override
        public boolean matches(String layerName) {
            return compiled.matcher(layerName).matches();
        }

        @Override
        public boolean namesExactly(String layerName) {
            return false;
        }

        @Override
        public String toString() {
            return "re\"" + text + "\"";
        }
    }
}
