package io.precis.kernel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSpecTest {

    @Test
    void writesKernelJsonAndLogos(@TempDir Path tmp) throws Exception {
        Path dir = KernelSpec.kernelsDir(false, false, tmp).resolve("precis");
        new KernelSpec("precis", "Java (Precis)", List.of("-Xmx1g"), List.of("-Xmx8g")).install(dir);
        JsonNode k = new ObjectMapper().readTree(dir.resolve("kernel.json").toFile());
        List<String> argv = new java.util.ArrayList<>();
        k.get("argv").forEach(a -> argv.add(a.asText()));
        assertTrue(Path.of(argv.get(0)).isAbsolute() && argv.get(0).endsWith("/bin/java"));
        assertTrue(argv.contains("{connection_file}"));
        assertTrue(argv.contains("jdk.incubator.vector"));
        assertTrue(argv.contains("-Xmx1g"));
        assertTrue(argv.contains("--exec-jvm-opt=-Xmx8g"));
        // The kernel JVM's own crash files go to the log folder, not the notebook's folder it is started in.
        int cp = argv.indexOf("-cp");
        String errorFile = "-XX:ErrorFile=" + io.precis.kernel.exec.CrashLogs.dir().resolve("hs_err_pid%p.log");
        assertTrue(argv.indexOf(errorFile) > 0 && argv.indexOf(errorFile) < cp, argv.toString());
        assertTrue(argv.subList(0, cp).contains("-XX:HeapDumpPath=" + io.precis.kernel.exec.CrashLogs.dir()));
        assertEquals("message", k.get("interrupt_mode").asText());
        assertEquals("java", k.get("language").asText());
        assertEquals("text/x-java", k.at("/metadata/language_info/mimetype").asText());
        byte[] png = Files.readAllBytes(dir.resolve("logo-64x64.png"));
        assertEquals((byte) 0x89, png[0]);
        assertTrue(Files.size(dir.resolve("logo-32x32.png")) > 100);
        assertTrue(Files.readString(dir.resolve("logo-svg.svg")).startsWith("<svg"));
    }

    @Test
    void aStartUpCacheOlderThanAJarIsCalledStale(@TempDir Path tmp) throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Path jar = Files.writeString(lib.resolve("precis-kernel.jar"), "x");
        Path cache = Files.writeString(tmp.resolve("kernel.aot"), "x");
        java.nio.file.attribute.FileTime t = java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(jar, t);
        Files.setLastModifiedTime(cache, java.nio.file.attribute.FileTime.fromMillis(t.toMillis() + 1000));
        List<String> args = List.of("-Xss8m", "-XX:AOTCache=" + cache);
        assertTrue(KernelSpec.staleStartupCache(args, lib).isEmpty());
        assertTrue(KernelSpec.staleStartupCache(List.of("-Xss8m"), lib).isEmpty());
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(t.toMillis() + 2000)); // rebuilt
        String m = KernelSpec.staleStartupCache(args, lib).orElseThrow();
        assertTrue(m.contains("precis-kernel.jar") && m.contains("precis install"), m);
    }

    @Test
    void reinstallingReplacesTheSpecWholeAndLeavesNoTemporaries(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("kernels/precis");
        new KernelSpec("precis", "Old", List.of(), List.of()).install(dir);
        Files.writeString(dir.resolve("stale.txt"), "from before");
        new KernelSpec("precis", "New", List.of(), List.of()).install(dir);
        assertEquals("New", new ObjectMapper().readTree(dir.resolve("kernel.json").toFile()).get("display_name").asText());
        assertTrue(Files.notExists(dir.resolve("stale.txt")));
        try (var s = Files.list(tmp.resolve("kernels"))) {
            assertEquals(List.of("precis"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void badNamesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new KernelSpec("bad/name", "x", List.of(), List.of()));
        assertTrue(e.getMessage().contains("bad/name"));
    }
}
