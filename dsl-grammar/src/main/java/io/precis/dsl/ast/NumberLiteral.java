package io.precis.dsl.ast;

/**
 * A number as written and its value: {@code 12}, {@code 0.5}, {@code 1e-3}, {@code 2k} (2000),
 * {@code 1M} (a million), {@code 3B} or {@code 3G} (3 billion), {@code 5%} (0.05). Suffixes are
 * case-insensitive like the rest of the language.
 */
public record NumberLiteral(String text, double value, Span span) implements Operand, Value {

    public NumberLiteral {
        java.util.Objects.requireNonNull(text);
    }

    /** Written with a {@code %} suffix (its value is already divided by 100). */
    public boolean isPercent() {
        return text.endsWith("%");
    }

    /** True when the value is a whole number that fits a {@code long}. */
    public boolean isWhole() {
        return value == Math.rint(value) && Math.abs(value) < 0x1p63;
    }

    /**
     * Reads a number token. Returns {@code null} when the text is not a valid number (for example a
     * value too large for a double).
     */
    public static NumberLiteral parse(String text, Span span) {
        if (text.isEmpty()) {
            return null;
        }
        char last = Character.toLowerCase(text.charAt(text.length() - 1));
        double scale = switch (last) {
            case 'k' -> 1e3;
            case 'm' -> 1e6;
            case 'b', 'g' -> 1e9;
            case '%' -> 0.01;
            default -> 1;
        };
        String digits = scale == 1 ? text : text.substring(0, text.length() - 1);
        double mantissa;
        try {
            mantissa = Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            return null;
        }
        double value = mantissa * scale;
        if (Double.isInfinite(value) || Double.isNaN(value)) {
            return null;
        }
        return new NumberLiteral(text, value, span);
    }
}
