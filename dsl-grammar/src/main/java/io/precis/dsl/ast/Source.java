package io.precis.dsl.ast;

/** Where {@code load model} / {@code load dataset} reads from. */
public sealed interface Source extends Node {

    /** {@code "path/to/model.pt"}: a file, as written (relative paths resolve against the notebook). */
    record FilePath(String path, Span span) implements Source {
    }

    /** {@code maven "group:artifact:version"}: an artifact fetched through Maven. */
    record MavenArtifact(String coordinates, Span span) implements Source {
    }
}
