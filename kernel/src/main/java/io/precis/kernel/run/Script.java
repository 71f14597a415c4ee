package io.precis.kernel.run;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code .precis} file cut into blocks: statements of the language, and Java between a line {@code %java} and a
 * line {@code %end}. A block {@code %java parameters} holds the defaults that {@code -p} overrides (its
 * declarations run, then the parameters'), as a notebook's cell tagged {@code parameters}.
 *
 * <pre>
 * %java parameters
 * double x = 0.002;
 * %end
 * load model "models/trained/fashion-mlp-0000.params" as mlp
 * quantize * to int4 where params > x
 * evaluate as ev
 * </pre>
 */
public record Script(List<Block> blocks) {

    /** One block; {@code firstLine} is its first line in the file (1-based). */
    public record Block(Kind kind, String text, int firstLine) {}

    public enum Kind { LANGUAGE, JAVA, PARAMETERS }

    /** Cuts {@code text}; an unclosed {@code %java} is an error naming its line. */
    public static Script parse(String text) {
        String[] lines = text.split("\r?\n", -1);
        List<Block> blocks = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        Kind kind = Kind.LANGUAGE;
        int first = 1;
        int javaOpened = 0;
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            int line = i + 1;
            if (kind == Kind.LANGUAGE && (t.equals("%java") || t.equals("%java parameters"))) {
                add(blocks, kind, cur, first);
                kind = t.endsWith("parameters") ? Kind.PARAMETERS : Kind.JAVA;
                javaOpened = line;
                first = line + 1;
            } else if (kind != Kind.LANGUAGE && t.equals("%end")) {
                add(blocks, kind, cur, first);
                kind = Kind.LANGUAGE;
                first = line + 1;
            } else if (t.startsWith("%java") || t.equals("%end")) {
                throw new IllegalArgumentException("line " + line + ": '" + t + "' " + (kind == Kind.LANGUAGE
                        ? "closes no %java block" : "inside the %java block of line " + javaOpened + "; close that one with %end first")
                        + (t.startsWith("%java") && kind == Kind.LANGUAGE ? " (write %java or %java parameters alone on its line)" : ""));
            } else {
                cur.append(lines[i]).append('\n');
            }
        }
        if (kind != Kind.LANGUAGE) {
            throw new IllegalArgumentException("line " + javaOpened + ": this %java block is not closed; end it with a line %end");
        }
        add(blocks, kind, cur, first);
        return new Script(List.copyOf(blocks));
    }

    private static void add(List<Block> blocks, Kind kind, StringBuilder text, int first) {
        String s = text.toString();
        text.setLength(0);
        if (kind == Kind.LANGUAGE && isBlank(s)) {
            return;
        }
        blocks.add(new Block(kind, s, first));
    }

    /** Only blank lines and comments: nothing to run. */
    static boolean isBlank(String s) {
        String noBlock = s.replaceAll("(?s)/\\*.*?\\*/", "");
        for (String line : noBlock.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("//") && !t.startsWith("#")) {
                return false;
            }
        }
        return true;
    }
}
