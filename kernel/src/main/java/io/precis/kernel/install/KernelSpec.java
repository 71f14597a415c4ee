package io.precis.kernel.install;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.Main;
import io.precis.kernel.Version;
import io.precis.kernel.exec.CrashLogs;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Jupyter kernelspec for this installation: kernel.json with the absolute java path and this build's
 * classpath, plus logos. Files are written to a temporary folder first and moved into place, so Jupyter
 * never sees a half-written spec.
 */
public final class KernelSpec {

    /**
     * Options for the kernel's own JVM (cells run in a second JVM). Its work is javac compiling cells, which
     * allocates heavily: the parallel collector answered cells faster than the serial one here. JShell's
     * package is opened so the kernel can make it forget dead snippets (io.precis.kernel.java.JShellTrim). Out of
     * memory, it exits (status 3) rather than go on with a JShell that may have lost state while the heartbeat
     * still answers: the frontend then says the kernel died and restarts it.
     */
    static final List<String> KERNEL_JVM_OPTIONS = List.of(
            "-XX:+UseParallelGC", "-Xss8m", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError",
            "--add-modules", "jdk.incubator.vector", "--add-opens", "jdk.jshell/jdk.jshell=ALL-UNNAMED");

    private final String name;
    private final String displayName;
    private final List<String> jvmOptions;
    private final List<String> execJvmOptions;

    public KernelSpec(String name, String displayName, List<String> jvmOptions, List<String> execJvmOptions) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("kernel name '" + name + "' may use only letters, digits, '.', '_' and '-'");
        }
        this.name = name;
        this.displayName = displayName;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.execJvmOptions = List.copyOf(execJvmOptions);
    }

    /** Where kernelspecs go for --user, --sys-prefix or --prefix (user when none is given). */
    public static Path kernelsDir(boolean user, boolean sysPrefix, Path prefix) throws IOException {
        if (prefix != null) {
            return prefix.toAbsolutePath().resolve("share/jupyter/kernels");
        }
        if (sysPrefix) {
            return pythonPrefix().resolve("share/jupyter/kernels");
        }
        return userDataDir().resolve("kernels");
    }

    static Path userDataDir() {
        String explicit = System.getenv("JUPYTER_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("user.home");
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return Path.of(home, "Library", "Jupyter");
        }
        if (os.contains("win")) {
            return Path.of(System.getenv().getOrDefault("APPDATA", home), "jupyter");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".local", "share")).resolve("jupyter");
    }

    /** sys.prefix of the active Python: $VIRTUAL_ENV or $CONDA_PREFIX, else asked of python3. */
    static Path pythonPrefix() throws IOException {
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                return Path.of(v);
            }
        }
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.prefix)").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IOException("python3 could not tell its sys.prefix: " + out);
            }
            return Path.of(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw new IOException("--sys-prefix needs an active Python (VIRTUAL_ENV, CONDA_PREFIX or python3 on PATH): " + e.getMessage(), e);
        }
    }

    /**
     * Warns when this JVM was started with a start-up cache older than a jar of the kernel: a rebuild after
     * {@code precis install}. On JDK 25.0.3 the JVM takes such a cache and runs the old build's classes from it
     * ({@code -Xlog:class+load} says "source: shared objects file" after the jar changed in time and size). Only a
     * cache recorded with this check warns: the check runs from the cache too.
     */
    public static void warnIfStartupCacheStale() {
        try {
            staleStartupCache(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments(), libDir())
                    .ifPresent(m -> io.precis.kernel.Log.warn("%s", m));
        } catch (IOException | RuntimeException e) {
            io.precis.kernel.Log.debug("start-up cache not checked: %s", e);
        }
    }

    /** What is wrong with the AOT cache named in {@code jvmArgs}, if it is older than a jar in {@code lib}. */
    static java.util.Optional<String> staleStartupCache(List<String> jvmArgs, Path lib) throws IOException {
        String prefix = "-XX:AOTCache=";
        Path cache = jvmArgs.stream().filter(a -> a.startsWith(prefix)).map(a -> Path.of(a.substring(prefix.length())))
                .reduce((a, b) -> b).orElse(null);
        if (cache == null || !Files.isRegularFile(cache)) {
            return java.util.Optional.empty();
        }
        java.nio.file.attribute.FileTime cached = Files.getLastModifiedTime(cache);
        try (var jars = Files.list(lib)) {
            for (Path jar : (Iterable<Path>) jars.filter(j -> j.toString().endsWith(".jar")).sorted()::iterator) {
                if (Files.getLastModifiedTime(jar).compareTo(cached) > 0) {
                    return java.util.Optional.of("the kernel's start-up cache " + cache + " is older than " + jar.getFileName()
                            + " (a rebuild): the JVM may run classes of the old build; run 'precis install' again");
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The folder holding this kernel's jars (kernel/target/lib in a build). */
    static Path libDir() {
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isDirectory(jar) ? jar : jar.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectNode kernelJson(ObjectMapper json) {
        return kernelJson(json, List.of());
    }

    /** kernel.json, with {@code cacheOptions} (the start-up cache) before the classpath. */
    ObjectNode kernelJson(ObjectMapper json, List<String> cacheOptions) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java").toAbsolutePath();
        ObjectNode k = json.createObjectNode();
        ArrayNode argv = k.putArray("argv");
        argv.add(java.toString());
        KERNEL_JVM_OPTIONS.forEach(argv::add);
        // The kernel JVM's own crash files too: Jupyter starts it in the notebook's folder.
        CrashLogs.jvmOptions(CrashLogs.dir()).forEach(argv::add);
        jvmOptions.forEach(argv::add);
        cacheOptions.forEach(argv::add);
        argv.add("-cp");
        argv.add(libDir().resolve("*").toString());
        argv.add(Main.class.getName());
        argv.add("kernel");
        argv.add("--connection-file");
        argv.add("{connection_file}");
        for (String o : execJvmOptions) {
            argv.add("--exec-jvm-opt=" + o);
        }
        k.put("display_name", displayName);
        k.put("language", "java");
        k.put("interrupt_mode", "message");
        ObjectNode env = k.putObject("env");
        env.put("THP_MEM_ALLOC_ENABLE", "1");
        ObjectNode md = k.putObject("metadata");
        md.put("debugger", false);
        ObjectNode precis = md.putObject("precis");
        precis.put("version", Version.get());
        precis.put("java_version", Runtime.version().toString());
        ObjectNode li = md.putObject("language_info");
        li.put("name", "java");
        li.put("version", Integer.toString(Runtime.version().feature()));
        li.put("mimetype", "text/x-java");
        li.put("file_extension", ".java");
        li.put("codemirror_mode", "java");
        return k;
    }

    /** Writes the spec into {@code dir} (replacing an older one) and returns {@code dir}. */
    public Path install(Path dir) throws IOException {
        return install(dir, false, true);
    }

    /**
     * Writes the spec; with {@code warmStart}, also a start-up cache recorded from a scripted session:
     * an AOT cache on JDK 25+ (classes and method profiles), an automatically kept CDS archive before.
     */
    public Path install(Path dir, boolean warmStart, boolean quiet) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + name + "-");
        readableByAll(tmp);
        try {
            List<String> cache = warmStart ? startupCache(tmp, dir.toAbsolutePath(), quiet) : List.of();
            Files.write(tmp.resolve("kernel.json"), json.writeValueAsBytes(kernelJson(json, cache)));
            Files.write(tmp.resolve("logo-32x32.png"), Logo.png(32));
            Files.write(tmp.resolve("logo-64x64.png"), Logo.png(64));
            Files.writeString(tmp.resolve("logo-svg.svg"), Logo.SVG);
            if (Files.exists(dir)) {
                Path old = Files.createTempDirectory(parent, "." + name + "-old-");
                Files.move(dir, old.resolve("spec"), StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
        return dir.toAbsolutePath();
    }

    /** Records the start-up cache into {@code staging}; returns the options that use it from {@code finalDir}. */
    private List<String> startupCache(Path staging, Path finalDir, boolean quiet) throws IOException {
        int feature = Runtime.version().feature();
        if (feature < 25) {
            // The JVM keeps a dynamic CDS archive up to date itself (JDK 19+).
            return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + finalDir.resolve("kernel.jsa"), "-Xlog:cds=off");
        }
        Path aot = staging.resolve("kernel.aot");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(KERNEL_JVM_OPTIONS);
        cmd.addAll(CrashLogs.jvmOptions(CrashLogs.dir()));
        cmd.addAll(jvmOptions);
        cmd.add("-XX:AOTCacheOutput=" + aot);
        cmd.add("-cp");
        cmd.add(libDir().resolve("*").toString());
        cmd.add(Main.class.getName());
        cmd.add("train");
        if (!quiet) {
            System.out.println("Recording the kernel's start-up cache (a scripted session, about 20 s)...");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PRECIS_HISTORY_DIR", staging.resolve("training-history").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int rc = p.waitFor();
            deleteTree(staging.resolve("training-history"));
            if (rc != 0 || !Files.exists(aot)) {
                System.err.println("precis: no start-up cache (the kernel works, it only starts slower): training exited with "
                        + rc + "\n" + out.lines().filter(l -> !l.isBlank()).limit(20).reduce("", (a, b) -> a + "  " + b + "\n"));
                return List.of();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return List.of();
        }
        // -Xlog:aot=off: a cache made stale by a rebuild is skipped without printing errors.
        return List.of("-XX:AOTCache=" + finalDir.resolve("kernel.aot"), "-Xlog:aot=off");
    }

    /** Temporary folders start private; a kernelspec in a shared prefix must be readable by every user. */
    private static void readableByAll(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(all.get(i));
        }
    }
}
