package io.precis.dsl.ast;

import java.util.List;

/** A cell of statements, in source order. */
public record Program(List<Statement> statements, Span span) implements Node {

    public Program {
        statements = List.copyOf(statements);
    }
}
