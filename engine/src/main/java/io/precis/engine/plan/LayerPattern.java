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

    record Glob(String text, Pattern compiled, boolean literal) implements LayerPattern {

        public Glob(String text) {
            this(text, compile(text), text.chars().noneMatch(c -> c == '*' || c == '?' || c == '['));
        }

        private static Pattern compile(String glob) {
            if (glob.isEmpty()) {
                throw new IllegalArgumentException("an empty layer pattern");
            }
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    case '[' -> {
                        int end = glob.indexOf(']', i + 2);
                        if (end < 0) {
                            throw new IllegalArgumentException("unclosed [ in layer pattern '" + glob + "'");
                        }
                        String body = glob.substring(i + 1, end).replace("\\", "\\\\").replace("[", "\\[");
                        re.append('[').append(body.startsWith("!") ? "^" + body.substring(1) : body).append(']');
                        i = end;
                    }
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            try {
                return Pattern.compile(re.toString());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad character class in layer pattern '" + glob + "': " + e.getDescription(), e);
            }
        }

        @Override
        public boolean matches(String layerName) {
            if (compiled.matcher(layerName).matches()) {
                return true;
            }
            for (int dot = layerName.indexOf('.'); dot >= 0; dot = layerName.indexOf('.', dot + 1)) {
                if (compiled.matcher(layerName.substring(dot + 1)).matches()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean namesExactly(String layerName) {
            return literal && (layerName.equals(text) || layerName.endsWith("." + text));
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
