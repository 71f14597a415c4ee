package io.precis.kernel.java;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Javadoc as JShell returns it (HTML with inline tags) turned into readable text or safe HTML. */
final class Javadoc {

    private static final Pattern INLINE = Pattern.compile("\\{@(?:code|literal|link|linkplain|value)\\s+([^}]*)}");
    private static final Pattern TAG = Pattern.compile("<[^>]+>");

    private Javadoc() {}

    static String toPlainText(String javadoc) {
        String s = inline(javadoc, false);
        s = s.replaceAll("(?i)<p>|<br\\s*/?>", "\n");
        s = TAG.matcher(s).replaceAll("");
        s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&nbsp;", " ");
        return s.replaceAll("\n{3,}", "\n\n").strip();
    }

    static String toHtml(String javadoc) {
        return inline(javadoc, true).replace("\n@", "<br>@");
    }

    private static String inline(String s, boolean html) {
        Matcher m = INLINE.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String text = m.group(1).strip();
            if (m.group().startsWith("{@link")) {
                int end = referenceEnd(text);
                if (end < text.length()) {
                    text = text.substring(end).strip(); // {@link Type#m(int, int) label} shows the label
                }
            }
            text = text.replace('#', '.');
            if (text.startsWith(".")) {
                text = text.substring(1);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(html ? "<code>" + io.precis.engine.figure.Html.escape(text) + "</code>" : text));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Where a reference like {@code Math#min(int, int)} ends: at the first space outside parentheses. */
    private static int referenceEnd(String ref) {
        int depth = 0;
        for (int i = 0; i < ref.length(); i++) {
            char c = ref.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (Character.isWhitespace(c) && depth == 0) {
                return i;
            }
        }
        return ref.length();
    }
}
