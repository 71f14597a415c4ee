package io.precis.kernel.exec;

import io.precis.kernel.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the execution JVM writes what it leaves when it dies in native code ({@code hs_err_pid*.log}, the
 * JIT's {@code replay_pid*.log}): a log folder of Precis, never the working directory, which is the
 * notebook's folder. {@code $PRECIS_LOG_DIR}, else {@code $XDG_STATE_HOME/precis/log}, else
 * {@code ~/.local/state/precis/log}.
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
    static List<String> jvmOptions(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | RuntimeException e) {
            Log.warn("crash logs stay in the working directory: cannot create %s (%s)", dir, e.getMessage());
            return List.of();
        }
        return List.of("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "-XX:ReplayDataFile=" + dir.resolve("replay_pid%p.log"));
    }

    /** The crash log a process of that pid left, if any. */
    public static Optional<Path> of(long pid) {
        Path p = dir().resolve("hs_err_pid" + pid + ".log");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
