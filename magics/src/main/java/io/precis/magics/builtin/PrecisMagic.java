package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.dsl.Language;
import io.precis.dsl.diagnostic.Suggest;
import io.precis.engine.format.Formats;
import io.precis.magics.CellFailedException;
import io.precis.magics.Magic;
import io.precis.magics.MagicContext;
import io.precis.magics.MagicException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code %%precis}: the rest of the cell is the quantization language. {@code %precis help [topic]}: the
 * language reference, generated from the grammar's own keyword and help tables and the engine's formats,
 * so it cannot drift from what the parser accepts.
 */
public final class PrecisMagic implements Magic {

    @Override public String name() { return "precis"; }

    @Override public String summary() { return "the quantization language: %%precis runs a cell of it, %precis help [topic] explains it"; }

    @Override
    public String usage() {
        return """
                %%precis             the rest of the cell is in the Precis language (needed only when its first word
                                     is not a statement keyword; a cell starting with 'quantize', 'load', ... is Precis)
                %precis help         every statement, one line each, and the topics
                %precis help TOPIC   one statement (quantize, show plan, ...) or topic (patterns, conditions, numbers, syntax)
                %precis formats      every number format with its bits per weight
                %precis clear        forget every rule of the session: quantize, keep, prune, quantize activations (models, data and results stay)""";
    }

    @Override public boolean isCell() { return true; }

    @Override
    public MimeBundle line(String args, MagicContext ctx) throws MagicException, CellFailedException {
        String a = args.strip();
        if (a.isEmpty() || a.equals("help")) {
            return MimeBundle.text(Language.overview() + "\n\n" + formatsLine());
        }
        if (a.equals("formats") || a.equals("help formats")) {
            return MimeBundle.text(formatsTable());
        }
        if (a.equals("clear")) {
            // the rules live in the execution JVM, beside the models; a cell-sized snippet reaches them
            MimeBundle n = ctx.execute(io.precis.language.PrecisSession.class.getName() + ".current().clearRules()");
            String count = n == null ? "?" : n.data().getOrDefault("text/plain", "?").toString();
            return MimeBundle.text("Cleared " + count + " rule(s); the plan is back to the defaults.");
        }
        if (a.startsWith("help ")) {
            String topic = a.substring(5).strip();
            return MimeBundle.text(Language.help(topic).orElseThrow(() -> new MagicException(
                    "no help on '" + topic + "'" + Suggest.closest(topic, Language.helpTopics()).map(s -> ". Did you mean " + s + "?").orElse("")
                            + " Topics: " + String.join(", ", Language.helpTopics()) + ", formats")));
        }
        throw new MagicException("usage: %precis help [TOPIC], %precis formats or %precis clear (got: %precis " + a + ")");
    }

    @Override
    public MimeBundle cell(String args, String body, MagicContext ctx) throws CellFailedException, MagicException {
        if (!args.isBlank()) {
            throw new MagicException("%%precis takes no arguments (got: " + args + ")");
        }
        return ctx.executePrecis("\n" + body); // a blank first line keeps the cell's line numbers
    }

    static String formatsLine() {
        return "Formats: " + Formats.summary() + ".  %precis formats lists their bits per weight.";
    }

    static String formatsTable() {
        StringBuilder sb = new StringBuilder("Formats (bits per weight at the default granularity, scales and zero points included):\n");
        List<String> names = new ArrayList<>(Formats.names());
        for (String n : names) {
            var f = Formats.parse(n);
            sb.append(String.format(Locale.ROOT, "  %-12s %-40s %s%n", n, f.toString(),
                    f.bitsPerWeight() > 0 ? String.format(Locale.ROOT, "%.4g", f.bitsPerWeight()) : "per shape"));
        }
        sb.append("Granularity: per tensor | per channel | group N;  symmetric | asymmetric;  grid compressed-tensors | precis;  stochastic [seed N];  absmax | mse | percentile P");
        return sb.toString();
    }
}
