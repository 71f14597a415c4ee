package io.precis.kernel.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code -p name=value} as Java declarations, read as papermill reads {@code -p}: {@code true}/{@code false} a
 * boolean, an integer an {@code int} (a {@code long} when larger), a decimal or exponent a {@code double},
 * anything else a {@code String}. Quotes force text: {@code -p label='"42"'}.
 */
public final class Params {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_$][\\w$]*");
    private static final Pattern INT = Pattern.compile("[-+]?\\d+");
    private static final Pattern DOUBLE = Pattern.compile("[-+]?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][-+]?\\d+)?|[-+]?(inf|nan)", Pattern.CASE_INSENSITIVE);
    private static final Set<String> KEYWORDS = Set.of(("abstract assert boolean break byte case catch char class const continue default do "
            + "double else enum extends final finally float for goto if implements import instanceof int interface long native new package "
            + "private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile "
            + "while true false null _ var record yield").split(" "));

    private final Map<String, String> raw = new LinkedHashMap<>();

    /** Parses {@code name=value} arguments; a bad one is an IllegalArgumentException saying which and why. */
    public static Params parse(List<String> args) {
        Params p = new Params();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("-p " + a + ": write a parameter as name=value, e.g. -p x=0.02");
            }
            String name = a.substring(0, eq).strip();
            if (!NAME.matcher(name).matches() || KEYWORDS.contains(name)) {
                throw new IllegalArgumentException("-p " + a + ": '" + name + "' is not a Java variable name");
            }
            p.raw.put(name, a.substring(eq + 1));
        }
        return p;
    }

    public boolean isEmpty() {
        return raw.isEmpty();
    }

    public Map<String, String> raw() {
        return raw;
    }

    /** The parameters as a Java cell: one typed declaration a line, under a comment papermill also writes. */
    public String javaCell() {
        StringBuilder sb = new StringBuilder("// Parameters\n");
        raw.forEach((name, value) -> sb.append(declaration(name, value)).append('\n'));
        return sb.toString();
    }

    static String declaration(String name, String value) {
        String v = value.strip();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return "boolean " + name + " = " + v.toLowerCase(java.util.Locale.ROOT) + ";";
        }
        if (INT.matcher(v).matches()) {
            try {
                return "int " + name + " = " + Integer.parseInt(v) + ";";
            } catch (NumberFormatException e) {
                try {
                    return "long " + name + " = " + Long.parseLong(v) + "L;";
                } catch (NumberFormatException e2) {
                    return "double " + name + " = " + v + ".0;";
                }
            }
        }
        if (DOUBLE.matcher(v).matches()) {
            double d = Double.parseDouble(v.replaceAll("(?i)inf", "Infinity").replaceAll("(?i)nan", "NaN"));
            String lit = Double.isNaN(d) ? "Double.NaN" : Double.isInfinite(d) ? (d > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY")
                    : Double.toString(d);
            return "double " + name + " = " + lit + ";";
        }
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            value = v.substring(1, v.length() - 1);
        }
        return "String " + name + " = " + io.precis.kernel.java.JavaLiteral.of(value) + ";";
    }

}
