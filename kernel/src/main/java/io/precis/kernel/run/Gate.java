package io.precis.kernel.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code --fail-if} gate: a condition over the bound results that fails the run when it holds.
 *
 * <pre>
 * gate    := or
 * or      := and ("or" and)*
 * and     := unary ("and" unary)*
 * unary   := "not" unary | "(" or ")" | compare
 * compare := value ("&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "==" | "!=") value
 * value   := number ("1e-3", "5%", "-0.2") | "text" | field
 * field   := name ("." name | "[" "text" "]")*      e.g. best.measured, ev.scores.loss.change, s.layers["fc.1"].int4
 * </pre>
 *
 * A syntax error is a {@link GateSyntaxError} with its column; a field that does not exist is a {@link Unresolved}
 * naming what exists there.
 */
public final class Gate {

    private final String text;
    private final Expr expr;

    private Gate(String text, Expr expr) {
        this.text = text;
        this.expr = expr;
    }

    public String text() {
        return text;
    }

    /** Parses a gate; a mistake is a {@link GateSyntaxError} with its 1-based column. */
    public static Gate parse(String text) {
        Parser p = new Parser(text);
        Expr e = p.or();
        p.skipSpace();
        if (p.pos < text.length()) {
            throw p.error("unexpected '" + p.rest() + "' after a complete condition" + (p.looksLikeJoin() ? " (join conditions with 'and' or 'or')" : ""));
        }
        return new Gate(text, e);
    }

    /** The verdict against {@code results} (the "results" object of results.json). */
    public Verdict test(JsonNode results) {
        Map<String, String> seen = new LinkedHashMap<>();
        boolean holds = expr.eval(results, seen);
        return new Verdict(holds, seen);
    }

    /** Whether the gate's condition holds (the run fails), and the fields it read with their values. */
    public record Verdict(boolean holds, Map<String, String> values) {
        /** "best.measured = 0.0731, ev.change = -0.002". */
        public String valuesText() {
            List<String> parts = new ArrayList<>();
            values.forEach((k, v) -> parts.add(k + " = " + v));
            return String.join(", ", parts);
        }
    }

    /** A gate that does not parse: the message and the 1-based column, with the gate and a caret. */
    public static final class GateSyntaxError extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final int column;

        GateSyntaxError(String gate, int column, String message) {
            super("column " + column + ": " + message + "\n  " + gate + "\n  " + " ".repeat(Math.max(0, column - 1)) + "^");
            this.column = column;
        }

        public int column() {
            return column;
        }
    }

    /** A field the results do not have (or a comparison of values that cannot be compared). */
    public static final class Unresolved extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Unresolved(String message) {
            super(message);
        }
    }

    // ---- the tree ----

    private sealed interface Expr {
        boolean eval(JsonNode results, Map<String, String> seen);
    }

    private record Or(Expr a, Expr b) implements Expr {
        public boolean eval(JsonNode r, Map<String, String> seen) {
            // Both sides are read, so the reason shows every value the gate names.
            boolean x = a.eval(r, seen);
            boolean y = b.eval(r, seen);
            return x || y;
        }
    }

    private record And(Expr a, Expr b) implements Expr {
        public boolean eval(JsonNode r, Map<String, String> seen) {
            boolean x = a.eval(r, seen);
            boolean y = b.eval(r, seen);
            return x && y;
        }
    }

    private record Not(Expr a) implements Expr {
        public boolean eval(JsonNode r, Map<String, String> seen) {
            return !a.eval(r, seen);
        }
    }

    private sealed interface Value {
        Object get(JsonNode results, Map<String, String> seen);
    }

    private record Literal(Object value) implements Value {
        public Object get(JsonNode r, Map<String, String> seen) {
            return value;
        }
    }

    private record Field(String text, List<String> path) implements Value {
        public Object get(JsonNode results, Map<String, String> seen) {
            JsonNode n = results;
            String at = "";
            for (String key : path) {
                JsonNode next = n == null || !n.isObject() ? null : n.get(key);
                if (next == null) {
                    throw new Unresolved(missing(n, at, key));
                }
                n = next;
                at = at.isEmpty() ? key : at + "." + key;
            }
            Object v = n.isNumber() ? (Object) n.doubleValue() : n.isTextual() ? n.textValue() : n.isBoolean() ? (Object) n.booleanValue()
                    : n.isNull() ? null : n;
            seen.put(text, v == null ? "null" : v instanceof Double d ? number(d) : v instanceof String s ? "\"" + s + "\"" : v.toString());
            return v;
        }

        private static String missing(JsonNode n, String at, String key) {
            if (n == null || !n.isObject()) {
                return "'" + at + "' is a " + (n == null ? "null" : n.getNodeType().name().toLowerCase(Locale.ROOT)) + ", it has no field '" + key + "'";
            }
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            String where = at.isEmpty() ? "no result named '" + key + "'" : "'" + at + "' has no field '" + key + "'";
            Optional<String> close = io.precis.dsl.diagnostic.Suggest.closest(key, names, Math.max(1, key.length() / 3));
            String shown = names.size() > 12 ? String.join(", ", names.subList(0, 12)) + ", ... (" + names.size() + ")" : String.join(", ", names);
            return where + close.map(c -> "; did you mean '" + c + "'?").orElse("") + " (" + (at.isEmpty() ? "results" : "fields")
                    + ": " + (names.isEmpty() ? "none" : shown) + ")";
        }
    }

    private record Compare(Value a, String op, Value b, String text) implements Expr {
        public boolean eval(JsonNode r, Map<String, String> seen) {
            Object x = a.get(r, seen);
            Object y = b.get(r, seen);
            if (x instanceof Double dx && y instanceof Double dy) {
                return switch (op) {
                    case "<" -> dx < dy;
                    case "<=" -> dx <= dy;
                    case ">" -> dx > dy;
                    case ">=" -> dx >= dy;
                    case "==" -> dx.doubleValue() == dy.doubleValue();
                    default -> dx.doubleValue() != dy.doubleValue();
                };
            }
            if (x == null || y == null) {
                // A gate over a value that was not measured cannot pass: CI must not go green on a missing number.
                if (op.equals("==") || op.equals("!=")) {
                    return op.equals("==") == (x == y);
                }
                return true;
            }
            if (op.equals("==") || op.equals("!=")) {
                return op.equals("==") == x.equals(y);
            }
            throw new Unresolved("'" + text + "' compares " + kind(x) + " with " + kind(y) + "; '" + op + "' needs two numbers");
        }

        private static String kind(Object o) {
            return o instanceof Double ? "a number" : o instanceof String ? "text" : o instanceof Boolean ? "a boolean" : "an object";
        }
    }

    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toString();
    }

    // ---- the parser (recursive descent; positions are 0-based, columns 1-based) ----

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        GateSyntaxError error(String message) {
            return new GateSyntaxError(s, pos + 1, message);
        }

        String rest() {
            String r = s.substring(pos);
            return r.length() > 20 ? r.substring(0, 20) + "..." : r;
        }

        boolean looksLikeJoin() {
            return pos < s.length() && (Character.isLetter(s.charAt(pos)));
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        boolean keyword(String k) {
            skipSpace();
            int end = pos + k.length();
            if (s.regionMatches(true, pos, k, 0, k.length()) && (end == s.length() || !isNamePart(s.charAt(end)))) {
                pos = end;
                return true;
            }
            return false;
        }

        Expr or() {
            Expr e = and();
            while (keyword("or")) e = new Or(e, and());
            return e;
        }

        Expr and() {
            Expr e = unary();
            while (keyword("and")) e = new And(e, unary());
            return e;
        }

        Expr unary() {
            if (keyword("not")) return new Not(unary());
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '(') {
                int open = pos++;
                Expr e = or();
                skipSpace();
                if (pos >= s.length() || s.charAt(pos) != ')') {
                    throw pos >= s.length() ? new GateSyntaxError(s, open + 1, "this '(' is not closed") : error("expected ')' here");
                }
                pos++;
                return e;
            }
            return compare();
        }

        Expr compare() {
            int start = skipAndMark();
            Value a = value("a result field such as best.measured");
            skipSpace();
            String op = operator();
            if (op == null) {
                throw error(pos >= s.length() ? "the condition ends here; expected a comparison (<, <=, >, >=, ==, !=) and a number"
                        : "expected a comparison (<, <=, >, >=, ==, !=), not '" + rest() + "'");
            }
            Value b = value("a number or a result field after '" + op + "'");
            if (a instanceof Literal && b instanceof Literal) {
                throw new GateSyntaxError(s, start + 1, "this compares two constants; name a result field, e.g. best.measured > 0.05");
            }
            return new Compare(a, op, b, s.substring(start, pos).strip());
        }

        int skipAndMark() {
            skipSpace();
            return pos;
        }

        String operator() {
            for (String op : List.of("<=", ">=", "==", "!=", "<", ">")) {
                if (s.startsWith(op, pos)) {
                    pos += op.length();
                    if (op.length() == 1 && pos < s.length() && "<>=".indexOf(s.charAt(pos)) >= 0) {
                        pos--;
                        throw error("'" + op + s.charAt(pos + 1) + "' is not a comparison; use <, <=, >, >=, == or !=");
                    }
                    return op;
                }
            }
            if (pos < s.length() && s.charAt(pos) == '=') {
                throw error("'=' is not a comparison; write '=='");
            }
            return null;
        }

        Value value(String expected) {
            skipSpace();
            if (pos >= s.length()) {
                throw error("the condition ends here; expected " + expected);
            }
            char c = s.charAt(pos);
            if (c == '"') {
                return new Literal(string());
            }
            if (Character.isDigit(c) || c == '-' || c == '+' || c == '.') {
                return new Literal(numberLiteral());
            }
            if (Character.isLetter(c) || c == '_') {
                return field();
            }
            throw error("expected " + expected + ", not '" + rest() + "'");
        }

        String string() {
            int open = pos++;
            StringBuilder sb = new StringBuilder();
            while (pos < s.length() && s.charAt(pos) != '"') {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) c = s.charAt(pos++);
                sb.append(c);
            }
            if (pos >= s.length()) {
                throw new GateSyntaxError(s, open + 1, "this text is not closed with '\"'");
            }
            pos++;
            return sb.toString();
        }

        double numberLiteral() {
            int start = pos;
            if (s.charAt(pos) == '-' || s.charAt(pos) == '+') pos++;
            while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) pos++;
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                int e = pos++;
                if (pos < s.length() && (s.charAt(pos) == '-' || s.charAt(pos) == '+')) pos++;
                if (pos >= s.length() || !Character.isDigit(s.charAt(pos))) {
                    pos = e;
                } else {
                    while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                }
            }
            String t = s.substring(start, pos);
            double v;
            try {
                v = Double.parseDouble(t);
            } catch (NumberFormatException ex) {
                pos = start;
                throw error("'" + (t.isEmpty() ? rest() : t) + "' is not a number");
            }
            if (pos < s.length() && s.charAt(pos) == '%') {
                pos++;
                v /= 100;
            }
            if (pos < s.length() && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_')) {
                throw error("a number is followed by '" + rest() + "'; write a space between values and words");
            }
            return v;
        }

        Field field() {
            int start = pos;
            List<String> path = new ArrayList<>();
            path.add(name());
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '.') {
                    pos++;
                    if (pos >= s.length() || !(Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                        throw error("expected a field name after '.'");
                    }
                    path.add(name());
                } else if (c == '[') {
                    pos++;
                    skipSpace();
                    if (pos >= s.length() || s.charAt(pos) != '"') {
                        throw error("expected a quoted name in [...], e.g. [\"encoder.layer.0\"]");
                    }
                    path.add(string());
                    skipSpace();
                    if (pos >= s.length() || s.charAt(pos) != ']') {
                        throw error("expected ']'");
                    }
                    pos++;
                } else {
                    break;
                }
            }
            return new Field(s.substring(start, pos), path);
        }

        String name() {
            int start = pos;
            while (pos < s.length() && isNamePart(s.charAt(pos))) pos++;
            return s.substring(start, pos);
        }

        static boolean isNamePart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
