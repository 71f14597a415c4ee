package io.precis.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark-submit --class io.precis.spark.Submit precis-spark.jar ...} as Spark's own SparkSubmit runs it (a
 * child JVM, master local[2]; the module's classes only in the jar given to it): the CSV it writes is the table
 * measured here.
 */
class SubmitTest {
    @Test
    void sparkSubmitWritesTheLocalTable(@TempDir Path tmp) throws Exception {
        TextCorpus held = Fixtures.heldOut();
        Path text = tmp.resolve("held-out.txt");
        Files.writeString(text, held.text());
        Path jar = jarOf(Path.of("target", "classes"), tmp.resolve("precis-spark.jar"));
        Path csv = tmp.resolve("table.csv");

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).toAbsolutePath().normalize().equals(Path.of("target", "classes").toAbsolutePath().normalize()))
                .toList()));
        cmd.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--class", "io.precis.spark.Submit", jar.toString(),
                Fixtures.charLm().toString(), text.toString(), "int2,int4,int8", csv.toString(), "--text", "--samples", "16"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("submit.log").toFile())
                .directory(tmp.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "spark-submit did not finish in 300 s");
        String log = Files.readString(tmp.resolve("submit.log"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("wrote 24 rows") && log.contains("spark local[2]"), log);

        try (Model m = Models.load(Fixtures.charLm())) {
            Analysis a = Analysis.of(m, Datasets.text(text)).samples(16).cache(SensitivityCache.inMemory());
            List<LayerRef> layers = a.quantizableLayers();
            SensitivityTable here = a.sensitivity(layers, Fixtures.FORMATS);
            List<String> want = new ArrayList<>(List.of("layer,format,value"));
            for (LayerRef l : layers)
                for (Format f : Fixtures.FORMATS) want.add(l.name() + "," + f + "," + String.format(Locale.ROOT, "%.17g", here.value(l, f)));
            assertEquals(want, Files.readAllLines(csv));
        }
    }

    /** The module's jar as Maven packages it (classes and the ServiceLoader file), from its compiled classes. */
    static Path jarOf(Path classes, Path jar) throws Exception {
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, j);
                j.closeEntry();
            }
        }
        return jar;
    }
}
