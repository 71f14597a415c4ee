package io.precis.dsl.ast;

import java.util.List;
import java.util.Optional;

/**
 * One statement of a cell. Any statement may end with {@code as name}, which binds its result as a
 * Java variable of the session ({@link #binding()}).
 */
public sealed interface Statement extends Node {

    /** The {@code as name} suffix, if written. */
    Optional<Name> binding();

    /** {@code load model "file" | maven "g:a:v" [engine E] [options (k = v, ...)]}. */
    record LoadModel(Source source, Optional<Name> engine, List<Option> options, Optional<Name> binding, Span span)
            implements Statement {
        public LoadModel {
            options = List.copyOf(options);
        }
    }

    /** {@code load dataset "file" | maven "g:a:v" [options (k = v, ...)]}. */
    record LoadDataset(Source source, List<Option> options, Optional<Name> binding, Span span) implements Statement {
        public LoadDataset {
            options = List.copyOf(options);
        }
    }

    /** {@code use model [on dataset]}: makes them the session's current model and data. */
    record Use(Variable model, Optional<Variable> dataset, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code calibrate on dataset}: GPTQ and AWQ read their statistics from this dataset, not from the data in use. */
    record Calibrate(Variable dataset, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code set name value}, e.g. {@code set metric kl}, {@code set seed 7}, {@code set device gpu}. */
    record Setting(Name name, Value value, Optional<Name> binding, Span span) implements Statement {
    }

    /**
     * {@code quantize patterns to format [options] [where p] [except patterns]}. Options keep their
     * written order; the accessors find each kind.
     */
    record Quantize(LayerSelection layers, FormatName format, List<QuantizeOption> options, Optional<Name> binding,
                    Span span) implements Statement {
        public Quantize {
            options = List.copyOf(options);
        }

        public Optional<QuantizeOption.Granularity> granularity() {
            return find(QuantizeOption.Granularity.class);
        }

        public Optional<QuantizeOption.Symmetry> symmetry() {
            return find(QuantizeOption.Symmetry.class);
        }

        public Optional<QuantizeOption.StochasticRounding> stochasticRounding() {
            return find(QuantizeOption.StochasticRounding.class);
        }

        public Optional<QuantizeOption.Clipping> clipping() {
            return find(QuantizeOption.Clipping.class);
        }

        public Optional<QuantizeOption.Algorithm> algorithm() {
            return find(QuantizeOption.Algorithm.class);
        }

        private <T extends QuantizeOption> Optional<T> find(Class<T> kind) {
            return options.stream().filter(kind::isInstance).map(kind::cast).findFirst();
        }
    }

    /** {@code keep patterns [where p] [except patterns]}: pins layers at full precision. */
    record Keep(LayerSelection layers, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code show layers [matching patterns] [where p] [except patterns]}. */
    record ShowLayers(Optional<LayerSelection> layers, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code show plan}: per layer its format, bits per weight, deciding rule and sensitivity. */
    record ShowPlan(Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code evaluate [plan | variable]}: baseline against the plan (the current one when none is named). */
    record Evaluate(Optional<Subject> subject, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code sensitivity [patterns] [where p] [except patterns] [over formats]}. */
    record Sensitivity(Optional<LayerSelection> layers, List<FormatName> formats, Optional<Name> binding, Span span)
            implements Statement {
        public Sensitivity {
            formats = List.copyOf(formats);
        }
    }

    /** {@code sweep patterns [where p] [except patterns] over formats}: precision against loss. */
    record Sweep(LayerSelection layers, List<FormatName> formats, Optional<Name> binding, Span span)
            implements Statement {
        public Sweep {
            formats = List.copyOf(formats);
        }
    }

    /** {@code search budget N bits [over formats]} or {@code search tolerance X [over formats]}. */
    record Search(SearchGoal goal, List<FormatName> formats, Optional<Name> binding, Span span) implements Statement {
        public Search {
            formats = List.copyOf(formats);
        }
    }

    /** {@code plot plan | sensitivity | variable}. */
    record Plot(Subject subject, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code export plan|variable [as flavour] to "file"}. */
    record Export(Subject subject, Optional<Name> flavour, StringLiteral file, Optional<Name> binding, Span span)
            implements Statement {
    }
}
