package io.precis.magics.dsl;

import io.precis.dsl.ast.Node;
import io.precis.dsl.ast.Statement;
import io.precis.dsl.ast.Subject;
import io.precis.engine.model.Model;
import io.precis.engine.plan.Plan;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** The statements that measure: sensitivity, sweep, search, plot, export. */
final class Analysis {

    /** Metrics {@code set metric} accepts. */
    static final List<String> METRICS = List.of("default", "loss", "kl", "cosine", "sqnr", "weight_sqnr");

    /** What a measuring statement may use. */
    record Context(DslSession session, Compiler compiler, DslOutput out, Function<Subject, Object> subjects,
                   Function<Node, Model> model) {}

    private Analysis() {}

    static Object sensitivity(Supplier<Context> ctx, Statement.Sensitivity s) {
        throw ctx.get().compiler().error(s, "sensitivity is being built (issue 6)");
    }

    static Object sweep(Supplier<Context> ctx, Statement.Sweep s) {
        throw ctx.get().compiler().error(s, "sweep is being built (issue 6)");
    }

    static Object search(Supplier<Context> ctx, Statement.Search s) {
        throw ctx.get().compiler().error(s, "search is being built (issue 6)");
    }

    static Object plot(Supplier<Context> ctx, Statement.Plot p) {
        throw ctx.get().compiler().error(p, "plot is being built (issue 6)");
    }

    static Object export(Supplier<Context> ctx, Statement.Export e) {
        throw ctx.get().compiler().error(e, "export is being built (issue 6)");
    }

    static Object lastSensitivity(Supplier<Context> ctx, Subject.CurrentSensitivity c) {
        throw ctx.get().compiler().error(c, "no sensitivity computed yet");
    }

    static Plan planOf(Object o) {
        return null;
    }

    static <T> T withProgress(DslOutput out, Supplier<T> work) {
        return work.get();
    }
}
