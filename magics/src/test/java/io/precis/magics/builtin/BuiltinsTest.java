package io.precis.magics.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.magics.MagicException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinsTest {

    @Test
    void timesReadLikeIPython() {
        assertEquals("812 ns", TimeMagic.format(812));
        assertEquals("3.41 µs", TimeMagic.format(3_410));
        assertEquals("12.3 ms", TimeMagic.format(12_345_678));
        assertEquals("1.52 s", TimeMagic.format(1_520_000_000L));
        assertEquals("2 min 3 s", TimeMagic.format(123_000_000_000L));
    }

    @Test
    void classpathExpandsFoldersAndChecksPaths(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.jar"), "");
        Files.writeString(dir.resolve("a.jar"), "");
        Files.writeString(dir.resolve("notes.txt"), "");
        assertEquals(List.of(dir.resolve("a.jar"), dir.resolve("b.jar")), ClasspathMagic.expand(dir + "/*"));
        assertEquals(List.of(dir), ClasspathMagic.expand(dir.toString()));
        assertTrue(assertThrows(MagicException.class, () -> ClasspathMagic.expand(dir + "/missing.jar")).getMessage().contains("no such file"));
        assertTrue(assertThrows(MagicException.class, () -> ClasspathMagic.expand(dir + "/notes.txt")).getMessage().contains("not a jar"));
    }

    @Test
    void mavenArgumentsAreChecked() throws Exception {
        var r = MavenMagic.parse("--offline org.example:lib:1.0 --repo https://example.org/m2 --no-deps");
        assertEquals(List.of("org.example:lib:1.0"), r.coordinates());
        assertTrue(r.offline());
        assertEquals(List.of("https://example.org/m2"), r.extraRepos());
        assertTrue(!r.transitive());
        assertTrue(assertThrows(MagicException.class, () -> MavenMagic.parse("junit")).getMessage().contains("not a Maven coordinate"));
        assertTrue(assertThrows(MagicException.class, () -> MavenMagic.parse("--bogus g:a:1")).getMessage().contains("unknown option --bogus"));
        assertTrue(assertThrows(MagicException.class, () -> MavenMagic.parse("")).getMessage().contains("name at least one artifact"));
    }

    @Test
    void settingsDecideTheLocalRepositoryAndOfflineMode(@TempDir Path dir) throws Exception {
        Path settings = dir.resolve("settings.xml");
        Files.writeString(settings, "<settings><localRepository>" + dir.resolve("repo") + "</localRepository><offline>true</offline></settings>");
        MavenResolver r = new MavenResolver(settings, false, List.of());
        assertEquals(dir.resolve("repo"), r.localRepository());
        var e = assertThrows(MagicException.class, () -> r.resolve(List.of("org.example:absent:1.0"), true));
        assertTrue(e.getMessage().contains("org.example:absent:1.0") && e.getMessage().contains("offline mode"), e.getMessage());
    }

    @Test
    void brokenSettingsNameTheFile(@TempDir Path dir) throws Exception {
        Path settings = dir.resolve("settings.xml");
        Files.writeString(settings, "<settings><localRepository>");
        var e = assertThrows(MagicException.class, () -> new MavenResolver(settings, false, List.of()));
        assertTrue(e.getMessage().contains(settings.toString()), e.getMessage());
    }
}
