package io.precis.dsl.ast;

import java.util.List;
import java.util.Optional;

/**
 * Which layers a statement is about: the layers matching any of {@code patterns} (every layer when
 * there are none), that satisfy {@code where}, minus those matching any of {@code except}.
 */
public record LayerSelection(List<Pattern> patterns, Optional<Predicate> where, List<Pattern> except, Span span)
        implements Node {

    public LayerSelection {
        patterns = List.copyOf(patterns);
        except = List.copyOf(except);
        java.util.Objects.requireNonNull(where);
    }

    /** True when no pattern restricts the selection (only {@code where}/{@code except} may). */
    public boolean allLayers() {
        return patterns.isEmpty();
    }
}
