package io.precis.kernel.install;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.precis.kernel.Main;
import io.precis.kernel.Version;
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

    /** Options for the kernel's own JVM: small and quick to start; cells run in a second JVM. */
    static final List<String> KERNEL_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=4", "-Xss8m", "-XX:-UsePerfData", "-Xshare:auto",
            "--add-modules", "jdk.incubator.vector");

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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java").toAbsolutePath();
        ObjectNode k = json.createObjectNode();
        ArrayNode argv = k.putArray("argv");
        argv.add(java.toString());
        KERNEL_JVM_OPTIONS.forEach(argv::add);
        jvmOptions.forEach(argv::add);
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
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + name + "-");
        try {
            Files.write(tmp.resolve("kernel.json"), json.writeValueAsBytes(kernelJson(json)));
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

    private static void deleteTree(Path p) throws IOException {
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(all.get(i));
        }
    }
}
