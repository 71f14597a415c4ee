package io.precis.magics.builtin;

import io.precis.display.MimeBundle;
import io.precis.magics.Magic;
import io.precis.magics.MagicCall;
import io.precis.magics.MagicContext;
import io.precis.magics.MagicException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** {@code %maven G:A:V...}: resolves artifacts and their runtime dependencies and adds the jars to the classpath. */
public final class MavenMagic implements Magic {

    @Override public String name() { return "maven"; }

    @Override public String summary() { return "add Maven artifacts and their dependencies to the classpath (%maven G:A:V)"; }

    @Override
    public String usage() {
        return """
                %maven [options] GROUP:ARTIFACT[:EXTENSION[:CLASSIFIER]]:VERSION...
                  resolves each artifact with its runtime dependencies and adds the jars to the Java classpath.
                  Uses ~/.m2/settings.xml (local repository, mirrors, proxies, servers, active profiles'
                  repositories, offline mode) like the mvn command does.
                options:
                  --offline          use only the local repository
                  --settings FILE    another user settings.xml
                  --repo URL         one more remote repository (may repeat)
                  --no-deps          the named artifacts only, without dependencies""";
    }

    @Override
    public MimeBundle line(String args, MagicContext ctx) throws MagicException {
        MavenResolver.Request request = parse(args);
        MavenResolver.Result result = new MavenResolver(request.settings(), request.offline(), request.extraRepos())
                .resolve(request.coordinates(), request.transitive());
        ctx.addToClasspath(result.files());
        StringBuilder sb = new StringBuilder();
        sb.append("Added ").append(result.files().size()).append(result.files().size() == 1 ? " jar" : " jars")
                .append(" to the classpath").append(result.offline() ? " (offline)" : "").append(":\n");
        for (String line : result.artifacts()) {
            sb.append("  ").append(line).append('\n');
        }
        return MimeBundle.text(sb.toString().stripTrailing());
    }

    static MavenResolver.Request parse(String args) throws MagicException {
        List<String> words = MagicCall.split(args);
        boolean offline = false;
        boolean transitive = true;
        Path settings = null;
        List<String> repos = new ArrayList<>();
        List<String> coords = new ArrayList<>();
        for (Iterator<String> it = words.iterator(); it.hasNext(); ) {
            String w = it.next();
            switch (w) {
                case "--offline", "-o" -> offline = true;
                case "--no-deps" -> transitive = false;
                case "--settings", "-s" -> {
                    if (!it.hasNext()) {
                        throw new MagicException("%maven: --settings needs a file");
                    }
                    settings = Path.of(it.next()).toAbsolutePath();
                    if (!Files.isRegularFile(settings)) {
                        throw new MagicException("%maven: settings file not found: " + settings);
                    }
                }
                case "--repo" -> {
                    if (!it.hasNext()) {
                        throw new MagicException("%maven: --repo needs a URL");
                    }
                    repos.add(it.next());
                }
                default -> {
                    if (w.startsWith("-")) {
                        throw new MagicException("%maven: unknown option " + w + ". Options: --offline, --settings FILE, --repo URL, --no-deps");
                    }
                    MavenResolver.checkCoordinate(w);
                    coords.add(w);
                }
            }
        }
        if (coords.isEmpty()) {
            throw new MagicException("%maven: name at least one artifact as GROUP:ARTIFACT:VERSION, e.g. %maven org.apache.commons:commons-math3:3.6.1");
        }
        return new MavenResolver.Request(coords, settings, offline, repos, transitive);
    }
}
