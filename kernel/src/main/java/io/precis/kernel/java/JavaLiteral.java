package io.precis.kernel.java;

/**
 * Text as Java source: the snippets the kernel writes for the execution JVM (the language's names, {@code precis
 * run}'s parameters) quote strings here. Line and paragraph separators are escaped, since JShell reads a raw one as
 * the end of the literal.
 */
public final class JavaLiteral {

    private JavaLiteral() {
    }

    /** A Java string literal of any text (null stays null). */
    public static String of(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || (c >= 0x7f && c < 0xa0)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
