package io.precis.dsl.ast;

/** What {@code evaluate}, {@code plot} and {@code export} act on. */
public sealed interface Subject extends Node permits Subject.CurrentPlan, Subject.CurrentSensitivity, Variable {

    /** {@code plan}: the plan built by the session's quantize/keep rules so far. */
    record CurrentPlan(Span span) implements Subject {
    }

    /** {@code sensitivity} (only in {@code plot}): the session's latest sensitivity table. */
    record CurrentSensitivity(Span span) implements Subject {
    }
}
