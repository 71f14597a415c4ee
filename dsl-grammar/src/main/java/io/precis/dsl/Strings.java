package io.precis.dsl;

/** Quoting rules of the language's string and regex literals, shared by the parser and the printer. */
final class Strings {

    private Strings() {
    }

    /**
     * The value of a {@code "..."} token: {@code \"} is a quote and {@code \\} a backslash; any other
     * backslash stays as written, so Windows paths such as {@code "C:\data\new"} need no doubling.
     */
    static String unquote(String token) {
        return unescape(token.substring(1, token.length() - 1), true);
    }

    /** The regex of a {@code re"..."} token: only {@code \"} is unescaped, so regex escapes pass through. */
    static String unquoteRegex(String token) {
        return unescape(token.substring(3, token.length() - 1), false);
    }

    /** Drops the backslash before a quote (and before a backslash, when asked); keeps every other one. */
    private static String unescape(String body, boolean backslashes) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                char n = body.charAt(i + 1);
                if (n == '"' || (backslashes && n == '\\')) {
                    out.append(n);
                } else {
                    out.append(c).append(n);
                }
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A {@code "..."} token whose {@link #unquote} is {@code value} (strings hold no line breaks). */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** A {@code re"..."} token whose {@link #unquoteRegex} is {@code regex}. */
    static String quoteRegex(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 3).append("re\"");
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                out.append(c).append(regex.charAt(i + 1));
                i++;
            } else if (c == '"') {
                out.append("\\\"");
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
