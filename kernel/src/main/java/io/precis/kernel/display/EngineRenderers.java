package io.precis.kernel.display;

import io.precis.engine.plan.Plan;
import io.precis.magics.dsl.LayerTable;
import io.precis.magics.dsl.PlanEvaluation;

/** Rich forms of the engine's and the language's results: tables as HTML with a text fallback. */
public final class EngineRenderers {

    private EngineRenderers() {}

    public static final class PlanRenderer implements Renderer<Plan> {
        @Override public Class<Plan> type() { return Plan.class; }

        @Override
        public MimeBundle render(Plan plan) {
            return MimeBundle.of("text/html", Tables.plan(plan)).with("text/plain", plan.toText());
        }
    }

    public static final class LayerTableRenderer implements Renderer<LayerTable> {
        @Override public Class<LayerTable> type() { return LayerTable.class; }

        @Override
        public MimeBundle render(LayerTable t) {
            return MimeBundle.of("text/html", t.toHtml()).with("text/plain", t.toText());
        }
    }

    public static final class PlanEvaluationRenderer implements Renderer<PlanEvaluation> {
        @Override public Class<PlanEvaluation> type() { return PlanEvaluation.class; }

        @Override
        public MimeBundle render(PlanEvaluation e) {
            return MimeBundle.of("text/html", e.toHtml()).with("text/plain", e.toText());
        }
    }
}
