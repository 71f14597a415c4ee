package io.precis.kernel.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.precis.kernel.install.KernelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code precis run}: a notebook (through nbclient, with this installation's kernel) or a {@code .precis} script
 * (in process, no Jupyter), with parameters, results.json, gates and a drift check. Exit statuses are distinct so
 * CI can tell them apart: {@link #OK}, {@link #FAILED}, {@link #USAGE}, {@link #GATE}, {@link #DRIFT}.
 */
@Command(name = "run", sortOptions = false,
        description = {"Run a notebook or a .precis script headless: parameters, results.json, gates, drift check.",
                "Exit status: 0 done, 1 a cell or statement failed, 2 bad input (arguments, gate syntax, unknown field), "
                        + "3 a --fail-if gate held, 4 --check found numbers that drifted."},
        footer = {"", "Examples:",
                "  precis run notebooks/01-quickstart.ipynb -p threshold=0.01 --html --out report/",
                "  precis run analysis.precis --fail-if \"ev.change > 0.01\" --fail-if \"best.measured > 0.05\"",
                "  precis run --check report/01-quickstart.ipynb --rtol 1e-4"})
public final class RunCommand implements Callable<Integer> {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int GATE = 3;
    public static final int DRIFT = 4;

    @Parameters(index = "0", paramLabel = "FILE", description = "a notebook (.ipynb) or a script of the language (.precis)")
    Path file;

    @Option(names = {"-p", "--parameter"}, paramLabel = "NAME=VALUE",
            description = "a parameter, declared as Java after the cell tagged 'parameters' (or the %%java parameters block); "
                    + "true/false, integers, decimals and text become boolean, int, double, String (repeatable)")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "folder for the executed notebook, the HTML report and results.json "
            + "(default: FILE's name without extension + '.out' in the current folder)")
    Path out;

    @Option(names = "--html", description = "also write an HTML report of the executed notebook")
    boolean html;

    @Option(names = "--fail-if", paramLabel = "CONDITION",
            description = "fail (exit 3) when this holds over the bound results, e.g. \"best.measured > 0.05\" (repeatable; README: Headless runs)")
    List<String> gates = new ArrayList<>();

    @Option(names = "--check", description = "re-execute a notebook that holds outputs and compare every number in them (exit 4 on drift)")
    boolean check;

    @Option(names = "--rtol", defaultValue = "1e-6", description = "--check: relative tolerance (default: ${DEFAULT-VALUE})")
    double rtol;

    @Option(names = "--atol", defaultValue = "0", description = "--check: absolute tolerance (default: ${DEFAULT-VALUE})")
    double atol;

    @Option(names = "--kernel", paramLabel = "NAME", description = "an installed kernelspec to run notebooks on (default: this installation's kernel)")
    String kernel;

    @Option(names = "--python", paramLabel = "PATH", description = "the Python with nbclient that executes notebooks "
            + "(default: $PRECIS_PYTHON, the checkout's .venv, else python3)")
    String python;

    @Option(names = "--timeout", defaultValue = "1800", paramLabel = "SECONDS", description = "seconds a notebook cell may take (default: ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--exec-jvm-opt", paramLabel = "OPTION", description = "an extra option for the JVM that runs cells, e.g. -Xmx8g (repeatable)")
    List<String> execJvmOptions = new ArrayList<>();

    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        try {
            return run();
        } catch (Usage e) {
            stderr.println("precis run: " + e.getMessage());
            return USAGE;
        } catch (IOException | UncheckedIOException e) {
            stderr.println("precis run: " + e.getMessage());
            return FAILED;
        }
    }

    /** A mistake in what the user asked: exit {@link #USAGE} with its message. */
    static final class Usage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message, null, false, false);
        }
    }

    private int run() throws IOException {
        List<Gate> parsed = new ArrayList<>();
        for (String g : gates) {
            try {
                parsed.add(Gate.parse(g));
            } catch (Gate.GateSyntaxError e) {
                throw new Usage("--fail-if \"" + g + "\": " + e.getMessage());
            }
        }
        Params params;
        try {
            params = Params.parse(parameters);
        } catch (IllegalArgumentException e) {
            throw new Usage(e.getMessage());
        }
        if (!Files.isRegularFile(file)) {
            throw new Usage(file + ": no such file");
        }
        String name = file.getFileName().toString();
        boolean notebook = name.endsWith(".ipynb");
        if (!notebook && !name.endsWith(".precis")) {
            throw new Usage(file + ": a notebook (.ipynb) or a script of the language (.precis), not a ." + extension(name) + " file");
        }
        if (check) {
            if (!notebook) throw new Usage("--check re-executes a notebook and compares its outputs; " + name + " is not a notebook");
            if (!params.isEmpty() || !parsed.isEmpty() || html) {
                throw new Usage("--check runs the notebook as it was saved (its parameters are in it): no -p, --fail-if or --html with it");
            }
            return check();
        }
        String stem = name.substring(0, name.lastIndexOf('.'));
        Path dir = out != null ? out : Path.of(stem + ".out");
        Files.createDirectories(dir);
        Path results = dir.resolve("results.json");
        int status;
        if (notebook) {
            Path executed = dir.resolve(stem + ".ipynb");
            if (Files.exists(executed) && Files.isSameFile(executed, file)) {
                throw new Usage("--out " + dir + " would overwrite " + file + " with its executed copy; choose another folder");
            }
            status = executeNotebook(file, executed, html ? dir.resolve(stem + ".html") : null, params, results);
            stderr.println("executed notebook: " + executed + (html ? "\nHTML report:       " + dir.resolve(stem + ".html") : ""));
        } else {
            if (html) throw new Usage("--html is for notebooks; a .precis script prints its tables on stdout");
            Script script;
            try {
                script = Script.parse(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new Usage(file + ": " + e.getMessage());
            }
            Files.deleteIfExists(results);
            String failed = ScriptRun.run(script, params, file, results, execOptions(), stdout, stderr);
            stdout.flush();
            if (failed != null) stderr.println(failed);
            status = failed == null ? OK : FAILED;
        }
        if (status != OK) {
            return status;
        }
        JsonNode bound = JSON.readTree(results.toFile()).path("results");
        List<String> names = new ArrayList<>();
        bound.fieldNames().forEachRemaining(names::add);
        stderr.println("results:           " + results + " (" + (names.isEmpty() ? "nothing bound with 'as name'" : String.join(", ", names)) + ")");
        return gates(parsed, bound);
    }

    private int gates(List<Gate> gates, JsonNode results) {
        int status = OK;
        for (Gate g : gates) {
            Gate.Verdict v;
            try {
                v = g.test(results);
            } catch (Gate.Unresolved e) {
                stderr.println("precis run: --fail-if \"" + g.text() + "\": " + e.getMessage());
                return USAGE;
            }
            if (v.holds()) {
                stderr.println("precis run: gate failed: " + g.text() + " (" + v.valuesText() + ")");
                status = GATE;
            } else {
                stderr.println("gate passed: not (" + g.text() + ") (" + v.valuesText() + ")");
            }
        }
        return status;
    }

    private int check() throws IOException {
        JsonNode stored = JSON.readTree(file.toFile());
        Path tmp = Files.createTempDirectory("precis-check-");
        try {
            Path fresh = tmp.resolve(file.getFileName());
            int status = executeNotebook(file, fresh, null, Params.parse(List.of()), null);
            if (status != OK) {
                return status;
            }
            List<Drift.Change> changes = Drift.compare(stored, JSON.readTree(fresh.toFile()), rtol, atol);
            if (changes.isEmpty()) {
                stderr.println("check: every number in " + file + "'s outputs is as stored (rtol " + rtol + ", atol " + atol + ")");
                return OK;
            }
            stderr.println("precis run --check: " + changes.size() + " number" + (changes.size() == 1 ? "" : "s") + " drifted in " + file
                    + " (rtol " + rtol + ", atol " + atol + "):");
            changes.stream().limit(Drift.SHOWN).forEach(c -> stderr.println("  " + c));
            if (changes.size() > Drift.SHOWN) stderr.println("  ... and " + (changes.size() - Drift.SHOWN) + " more");
            return DRIFT;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Runs the notebook executor with a Python that has nbclient, on this installation's kernel unless --kernel names one. */
    private int executeNotebook(Path in, Path executed, Path htmlOut, Params params, Path results) throws IOException {
        Path tmp = Files.createTempDirectory("precis-run-");
        try {
            Path script = tmp.resolve("execute_notebook.py");
            try (InputStream s = RunCommand.class.getResourceAsStream("execute_notebook.py")) {
                Files.copy(s, script);
            }
            List<String> cmd = new ArrayList<>(List.of(python(), script.toString()));
            String kernelName = kernel;
            ProcessBuilder pb = new ProcessBuilder();
            if (kernelName == null) {
                kernelName = "precis-run";
                new KernelSpec(kernelName, "Java (Precis)", List.of(), execJvmOptions).install(tmp.resolve("jupyter/kernels/" + kernelName));
                String old = System.getenv("JUPYTER_PATH");
                pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter") + (old == null || old.isBlank() ? "" : java.io.File.pathSeparator + old));
            }
            cmd.addAll(List.of("--kernel", kernelName, "--out", executed.toAbsolutePath().toString(), "--timeout", Integer.toString(timeout)));
            if (!params.isEmpty()) {
                Path p = tmp.resolve("parameters.java");
                Files.writeString(p, params.javaCell());
                cmd.addAll(List.of("--params-file", p.toString()));
            }
            if (htmlOut != null) cmd.addAll(List.of("--html", htmlOut.toAbsolutePath().toString()));
            if (results != null) {
                Files.deleteIfExists(results);
                cmd.addAll(List.of("--results", results.toAbsolutePath().toString()));
            }
            cmd.add(in.toAbsolutePath().toString());
            pb.command(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new Usage("cannot start " + cmd.get(0) + " to execute the notebook (" + e.getMessage() + "); name a Python with nbclient with --python");
            }
            try {
                int rc = p.waitFor();
                return rc == 0 ? OK : rc == 2 ? USAGE : FAILED;
            } catch (InterruptedException e) {
                p.destroy();
                Thread.currentThread().interrupt();
                return FAILED;
            }
        } finally {
            deleteTree(tmp);
        }
    }

    private String python() {
        if (python != null) return python;
        String env = System.getenv("PRECIS_PYTHON");
        if (env != null && !env.isBlank()) return env;
        String home = System.getenv("PRECIS_HOME");
        if (home != null && Files.isExecutable(Path.of(home, ".venv", "bin", "python"))) {
            return Path.of(home, ".venv", "bin", "python").toString();
        }
        return "python3";
    }

    private List<String> execOptions() {
        return io.precis.kernel.KernelMain.executionJvmOptions(execJvmOptions);
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
