package io.precis.kernel.display;

import io.precis.display.MimeBundle;
import io.precis.engine.analysis.Frontier;
import io.precis.engine.analysis.PlanEvaluation;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.figure.Figure;
import io.precis.engine.plan.Plan;
import io.precis.language.LayerTable;
import java.util.Base64;
import java.util.Map;

/**
 * Rich forms of the engine's and the language's results (registered in META-INF/services): tables as HTML
 * with their text beside, figures as one bundle of four MIME types.
 */
public final class EngineRenderers {

    /** Figures are drawn at this size as PNG, and laid out at it in HTML. */
    static final int WIDTH = 900;
    static final int HEIGHT = 500;

    private EngineRenderers() {}

    /**
     * A figure: {@code application/vnd.plotly.v1+json} (JupyterLab, Notebook 7, VS Code), {@code text/html} that
     * draws offline with the shipped plotly.js (classic Notebook, nbconvert HTML), {@code image/png} (GitHub,
     * static viewers) and {@code text/plain}.
     */
    public static final class FigureRenderer implements Renderer<Figure> {
        @Override public Class<Figure> type() { return Figure.class; }

        @Override
        public MimeBundle render(Figure f) {
            Map<String, Object> plotly = f.toPlotly();
            String png = Base64.getEncoder().encodeToString(f.toPng(WIDTH, HEIGHT));
            return MimeBundle.of("application/vnd.plotly.v1+json", plotly)
                    .with("text/html", FigureHtml.html(f.toPlotlyJson(), png, WIDTH, HEIGHT))
                    .with("image/png", png)
                    .with("text/plain", f.describe())
                    .withMetadata("image/png", Map.of("width", WIDTH, "height", HEIGHT));
        }
    }

    public static final class PlanRenderer implements Renderer<Plan> {
        @Override public Class<Plan> type() { return Plan.class; }

        @Override public MimeBundle render(Plan p) { return table(p.toHtml(), p.toText()); }
    }

    public static final class LayerTableRenderer implements Renderer<LayerTable> {
        @Override public Class<LayerTable> type() { return LayerTable.class; }

        @Override public MimeBundle render(LayerTable t) { return table(t.toHtml(), t.toText()); }
    }

    public static final class PlanEvaluationRenderer implements Renderer<PlanEvaluation> {
        @Override public Class<PlanEvaluation> type() { return PlanEvaluation.class; }

        @Override public MimeBundle render(PlanEvaluation e) { return table(e.toHtml(), e.toText()); }
    }

    public static final class EvaluationRenderer implements Renderer<Evaluation> {
        @Override public Class<Evaluation> type() { return Evaluation.class; }

        @Override public MimeBundle render(Evaluation e) { return table(e.toHtml(), e.toText()); }
    }

    public static final class SensitivityTableRenderer implements Renderer<SensitivityTable> {
        @Override public Class<SensitivityTable> type() { return SensitivityTable.class; }

        @Override public MimeBundle render(SensitivityTable t) { return table(t.toHtml(), t.toText()); }
    }

    public static final class SensitivityComparisonRenderer implements Renderer<io.precis.engine.analysis.SensitivityComparison> {
        @Override public Class<io.precis.engine.analysis.SensitivityComparison> type() { return io.precis.engine.analysis.SensitivityComparison.class; }

        @Override public MimeBundle render(io.precis.engine.analysis.SensitivityComparison c) { return table(c.toHtml(), c.toText()); }
    }

    public static final class SweepRenderer implements Renderer<Sweep> {
        @Override public Class<Sweep> type() { return Sweep.class; }

        @Override public MimeBundle render(Sweep s) { return table(s.toHtml(), s.toText()); }
    }

    public static final class FrontierRenderer implements Renderer<Frontier> {
        @Override public Class<Frontier> type() { return Frontier.class; }

        @Override public MimeBundle render(Frontier f) { return table(f.toHtml(), f.toText()); }
    }

    private static MimeBundle table(String html, String text) {
        return MimeBundle.of("text/html", html).with("text/plain", text);
    }
}
