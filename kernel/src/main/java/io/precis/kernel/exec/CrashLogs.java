package io.precis.kernel.exec;

import io.precis.kernel.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where Precis's JVMs write what they leave when they die ({@code hs_err_pid*.log}, the JIT's
 * {@code replay_pid*.log}, a heap dump should someone turn them on): a log folder of Precis, never the working
 * directory, which is the notebook's folder. {@code $PRECIS_LOG_DIR}, else {@code $XDG_STATE_HOME/precis/log},
 * else {@code ~/.local/state/precis/log}. The execution JVM gets the folder of the kernel's environment; the
 * kernel JVM's own options are in its kernelspec, so they name the folder as it was at {@code precis install}.
 */
public final class CrashLogs {

    private CrashLogs() {}

    public static Path dir() {
        String explicit = System.getenv("PRECIS_LOG_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("precis").resolve("log").toAbsolutePath();
    }

    /** JVM options sending its crash files to {@code dir} (created here); none when it cannot be created. */
    public static List<String> jvmOptions(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | RuntimeException e) {
            Log.warn("crash logs stay in the working directory: cannot create %s (%s)", dir, e.getMessage());
            return List.of();
        }
        return List.of("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "-XX:ReplayDataFile=" + dir.resolve("replay_pid%p.log"),
                "-XX:HeapDumpPath=" + dir);
    }

    /**
     * Creates the folder this JVM's {@code -XX:ErrorFile} names (the kernelspec's, made at install, may have been
     * removed since): a JVM that cannot open it writes its crash log into the working directory instead.
     */
    public static void ensureOwnFolder() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            String errorFile = vm.getVMOption("ErrorFile").getValue();
            Path parent = errorFile.isBlank() ? null : Path.of(errorFile).toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException | RuntimeException e) {
            Log.warn("a crash of the kernel would leave its log in the working directory: %s", e.getMessage());
        }
    }

    /** The crash log a process of that pid left, if any. */
    public static Optional<Path> of(long pid) {
        Path p = dir().resolve("hs_err_pid" + pid + ".log");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
