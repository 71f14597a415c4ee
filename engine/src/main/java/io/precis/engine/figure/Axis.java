package io.precis.engine.figure;

/** An axis: its title and whether it is logarithmic (base 10). */
public record Axis(String title, boolean log) {

    public static Axis linear(String title) {
        return new Axis(title, false);
    }

    public static Axis log(String title) {
        return new Axis(title, true);
    }
}
