package io.precis.magics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One parsed magic call: {@code %name args} or {@code %%name args} followed by a body.
 *
 * @param name the magic's name
 * @param args the raw text after the name, trimmed
 * @param body the cell body for {@code %%name}, else {@code null}
 */
public record MagicCall(String name, String args, String body) {

    private static final Pattern LINE = Pattern.compile("^[ \\t]*%([A-Za-z_][\\w.-]*)(?:[ \\t]+(.*))?[ \\t]*$");
    private static final Pattern CELL = Pattern.compile("^[ \\t]*%%([A-Za-z_][\\w.-]*)(?:[ \\t]+([^\\n]*))?[ \\t]*(?:\\r?\\n|$)");

    public boolean isCell() {
        return body != null;
    }

    /** A line that is a line magic call, e.g. {@code %time 1+1}. */
    public static Optional<MagicCall> parseLine(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches() || line.stripLeading().startsWith("%%")) {
            return Optional.empty();
        }
        return Optional.of(new MagicCall(m.group(1), m.group(2) == null ? "" : m.group(2).strip(), null));
    }

    /** A whole cell that starts with {@code %%name}: the rest of the cell is the body. */
    public static Optional<MagicCall> parseCell(String cell) {
        String text = stripLeadingBlankLines(cell);
        Matcher m = CELL.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        String args = m.group(2) == null ? "" : m.group(2).strip();
        return Optional.of(new MagicCall(m.group(1), args, text.substring(m.end())));
    }

    /** Whether the line starts like a magic ({@code %name}); Java never starts a statement with {@code %}. */
    public static boolean looksLikeMagic(String line) {
        return LINE.matcher(line).matches();
    }

    private static String stripLeadingBlankLines(String s) {
        int i = 0;
        while (true) {
            int nl = s.indexOf('\n', i);
            if (nl < 0 || !s.substring(i, nl).isBlank()) {
                return s.substring(i);
            }
            i = nl + 1;
        }
    }

    /**
     * Splits arguments like a POSIX shell does for words: whitespace separates, single quotes keep text
     * as is, double quotes allow {@code \"} and {@code \\}, a backslash outside quotes escapes the next character.
     *
     * @throws MagicException on an unterminated quote, naming its column
     */
    public static List<String> split(String args) throws MagicException {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else if (c == '\'') {
                int end = args.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new MagicException("unterminated ' quote at column " + (i + 1) + " in: " + args);
                }
                cur.append(args, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                int j = i + 1;
                for (; j < args.length() && args.charAt(j) != '"'; j++) {
                    char d = args.charAt(j);
                    if (d == '\\' && j + 1 < args.length() && (args.charAt(j + 1) == '"' || args.charAt(j + 1) == '\\')) {
                        cur.append(args.charAt(++j));
                    } else {
                        cur.append(d);
                    }
                }
                if (j >= args.length()) {
                    throw new MagicException("unterminated \" quote at column " + (i + 1) + " in: " + args);
                }
                i = j;
                inWord = true;
            } else if (c == '\\' && i + 1 < args.length()) {
                cur.append(args.charAt(++i));
                inWord = true;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }
}
