package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.magics.Magic;
import io.precis.magics.MagicCall;
import io.precis.magics.MagicContext;
import io.precis.magics.MagicException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** {@code %classpath add PATH...} and {@code %classpath}: extend or show the Java cells' classpath. */
public final class ClasspathMagic implements Magic {

    @Override public String name() { return "classpath"; }

    @Override public String summary() { return "add jars or class folders to the Java classpath (%classpath add PATH...)"; }

    @Override
    public String usage() {
        return """
                %classpath add PATH...   adds jars or class folders; PATH may end in /* for every jar in a folder
                %classpath               lists what this session added
                Relative paths are resolved against the kernel's working directory (the notebook's folder).""";
    }

    @Override
    public MimeBundle line(String args, MagicContext ctx) throws MagicException {
        List<String> words = MagicCall.split(args);
        if (words.isEmpty() || words.equals(List.of("list"))) {
            List<Path> added = ctx.addedClasspath();
            return MimeBundle.text(added.isEmpty() ? "No classpath entries added in this session."
                    : added.stream().map(Path::toString).collect(Collectors.joining("\n")));
        }
        if (!words.get(0).equals("add") || words.size() < 2) {
            throw new MagicException("usage: %classpath add PATH...  (got: %classpath " + args + ")");
        }
        List<Path> entries = new ArrayList<>();
        for (String w : words.subList(1, words.size())) {
            entries.addAll(expand(w));
        }
        ctx.addToClasspath(entries);
        return MimeBundle.text("Added to the classpath:\n" + entries.stream().map(Path::toString).collect(Collectors.joining("\n")));
    }

    static List<Path> expand(String word) throws MagicException {
        if (word.endsWith("/*") || word.endsWith("/*.jar")) {
            Path dir = Path.of(word.substring(0, word.lastIndexOf('/'))).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new MagicException("%classpath: no such folder: " + dir);
            }
            List<Path> jars = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
                ds.forEach(jars::add);
            } catch (IOException e) {
                throw new MagicException("%classpath: cannot list " + dir + ": " + e.getMessage(), e);
            }
            if (jars.isEmpty()) {
                throw new MagicException("%classpath: no jars in " + dir);
            }
            jars.sort(null);
            return jars;
        }
        Path p = Path.of(word).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new MagicException("%classpath: no such file or folder: " + p);
        }
        if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".jar")) {
            throw new MagicException("%classpath: not a jar or a folder: " + p);
        }
        return List.of(p);
    }
}
