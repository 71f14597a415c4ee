package io.precis.kernel.run;

import io.precis.kernel.cells.ScriptSession;
import io.precis.kernel.protocol.ExecuteOutcome;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Runs a {@link Script} without Jupyter: its blocks in order in a {@link ScriptSession}, stopping at the first failure. */
final class ScriptRun {

    private ScriptRun() {}

    /** @return null when every block ran, else the failure as one message (already located in the file) */
    static String run(Script script, Params params, Path file, Path results, List<String> execOptions, PrintStream out, PrintStream err) {
        try (ScriptSession s = new ScriptSession(out, err, execOptions)) {
            boolean injected = params.isEmpty();
            boolean hasDefaults = script.blocks().stream().anyMatch(b -> b.kind() == Script.Kind.PARAMETERS);
            if (!injected && !hasDefaults) {
                // No block of defaults: the parameters come first.
                String failed = failure(s.java(params.javaCell(), 1), file, "the parameters");
                if (failed != null) return failed;
                injected = true;
            }
            int n = 0;
            for (Script.Block b : script.blocks()) {
                n++;
                err.println("[" + n + "/" + script.blocks().size() + "] " + (b.kind() == Script.Kind.LANGUAGE ? "statements" : "Java")
                        + " from line " + b.firstLine());
                ExecuteOutcome o = switch (b.kind()) {
                    case JAVA, PARAMETERS -> s.java(b.text(), b.firstLine());
                    // Blank lines before the block keep the file's line numbers in the language's messages.
                    case LANGUAGE -> s.language("\n".repeat(b.firstLine() - 1) + b.text(), "script:" + b.firstLine());
                };
                String failed = failure(o, file, "line " + b.firstLine());
                if (failed != null) return failed;
                if (b.kind() == Script.Kind.PARAMETERS && !injected) {
                    failed = failure(s.java(params.javaCell(), 1), file, "the parameters");
                    if (failed != null) return failed;
                    injected = true;
                }
            }
            return failure(s.writeResults(results), file, "writing " + results);
        }
    }

    private static String failure(ExecuteOutcome o, Path file, String where) {
        if (o instanceof ExecuteOutcome.Failed f) {
            String tb = String.join("\n", f.traceback()).replaceAll("\u001b\\[[0-9;]*m", "");
            return file.getFileName() + " (" + where + "): " + (tb.isBlank() ? f.ename() + ": " + f.evalue() : tb);
        }
        return null;
    }
}
