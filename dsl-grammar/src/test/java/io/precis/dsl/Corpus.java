package io.precis.dsl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The test corpora under src/test/resources/io/precis/dsl. */
final class Corpus {

    private Corpus() {
    }

    static Path dir(String name) {
        try {
            return Path.of(Corpus.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> files(String dir, String extension) {
        try (Stream<Path> files = Files.list(dir(dir))) {
            return files.filter(p -> p.getFileName().toString().endsWith(extension)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cells of a corpus file: one per line, blank lines and lines starting with ";;" skipped, "\n" for newlines. */
    static List<String> cells(String resource) {
        return read(dir(resource)).lines()
                .filter(l -> !l.isBlank() && !l.startsWith(";;"))
                .map(l -> l.replace("\\n", "\n").replace("\\t", "\t"))
                .toList();
    }
}
