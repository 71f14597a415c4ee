package io.precis.magics.builtin;

import io.precis.magics.MagicException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.apache.maven.settings.Mirror;
import org.apache.maven.settings.Profile;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.Repository;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.DefaultSettingsBuilderFactory;
import org.apache.maven.settings.building.DefaultSettingsBuildingRequest;
import org.apache.maven.settings.building.SettingsBuildingException;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.eclipse.aether.util.repository.AuthenticationBuilder;
import org.eclipse.aether.util.repository.DefaultAuthenticationSelector;
import org.eclipse.aether.util.repository.DefaultMirrorSelector;
import org.eclipse.aether.util.repository.DefaultProxySelector;

/** Resolves Maven coordinates the way the mvn command would, honouring the user's settings.xml. */
public final class MavenResolver {

    static final String CENTRAL = "https://repo.maven.apache.org/maven2/";
    private static final Pattern COORDINATE = Pattern.compile("[^:\\s]+(:[^:\\s]+){2,4}");

    record Request(List<String> coordinates, Path settings, boolean offline, List<String> extraRepos, boolean transitive) {}

    /** Jars in classpath order, and one line per artifact for the user. */
    public record Result(List<Path> files, List<String> artifacts, boolean offline) {}

    private final Settings settings;
    private final boolean offline;
    private final List<String> extraRepos;

    public MavenResolver(Path userSettings, boolean offline, List<String> extraRepos) throws MagicException {
        this.settings = loadSettings(userSettings);
        this.offline = offline || settings.isOffline();
        this.extraRepos = List.copyOf(extraRepos);
    }

    static void checkCoordinate(String c) throws MagicException {
        if (!COORDINATE.matcher(c).matches()) {
            throw new MagicException("%maven: '" + c + "' is not a Maven coordinate; expected GROUP:ARTIFACT:VERSION "
                    + "(or GROUP:ARTIFACT:EXTENSION[:CLASSIFIER]:VERSION)");
        }
    }

    private static Settings loadSettings(Path userSettings) throws MagicException {
        Path user = userSettings != null ? userSettings : Path.of(System.getProperty("user.home"), ".m2", "settings.xml");
        DefaultSettingsBuildingRequest req = new DefaultSettingsBuildingRequest();
        if (Files.isRegularFile(user)) {
            req.setUserSettingsFile(user.toFile());
        }
        String mavenHome = System.getenv("MAVEN_HOME");
        if (mavenHome != null && Files.isRegularFile(Path.of(mavenHome, "conf", "settings.xml"))) {
            req.setGlobalSettingsFile(Path.of(mavenHome, "conf", "settings.xml").toFile());
        }
        Properties sys = new Properties();
        sys.putAll(System.getProperties());
        System.getenv().forEach((k, v) -> sys.setProperty("env." + k, v));
        req.setSystemProperties(sys);
        try {
            return new DefaultSettingsBuilderFactory().newInstance().build(req).getEffectiveSettings();
        } catch (SettingsBuildingException e) {
            throw new MagicException("%maven: cannot read " + user + ": " + e.getMessage(), e);
        }
    }

    Path localRepository() {
        String local = settings.getLocalRepository();
        if (local == null || local.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".m2", "repository");
        }
        return Path.of(local);
    }

    public Result resolve(List<String> coordinates, boolean transitive) throws MagicException {
        RepositorySystem system = new RepositorySystemSupplier().get();
        try {
            DefaultRepositorySystemSession session = MavenRepositorySystemUtils.newSession();
            session.setOffline(offline);
            session.setLocalRepositoryManager(system.newLocalRepositoryManager(session, new LocalRepository(localRepository().toFile())));
            session.setMirrorSelector(mirrors());
            session.setProxySelector(proxies());
            session.setAuthenticationSelector(authentication());
            List<RemoteRepository> repos = system.newResolutionRepositories(session, repositories());

            Set<Path> files = new LinkedHashSet<>();
            List<String> lines = new ArrayList<>();
            for (String coordinate : coordinates) {
                Artifact artifact = new DefaultArtifact(coordinate);
                List<ArtifactResult> results;
                if (transitive) {
                    CollectRequest collect = new CollectRequest(new Dependency(artifact, JavaScopes.RUNTIME), repos);
                    DependencyRequest request = new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
                    results = system.resolveDependencies(session, request).getArtifactResults();
                } else {
                    results = List.of(system.resolveArtifact(session, new ArtifactRequest(artifact, repos, null)));
                }
                for (ArtifactResult r : results) {
                    File f = r.getArtifact().getFile();
                    if (f != null && files.add(f.toPath())) {
                        lines.add(r.getArtifact() + "  (" + f + ")");
                    }
                }
            }
            return new Result(List.copyOf(files), lines, offline);
        } catch (DependencyResolutionException | ArtifactResolutionException e) {
            throw new MagicException("%maven: could not resolve " + String.join(", ", coordinates) + ": "
                    + rootMessage(e) + (offline ? " (offline mode: only " + localRepository() + " was searched)" : ""), e);
        } catch (IllegalArgumentException e) {
            throw new MagicException("%maven: " + e.getMessage(), e);
        } finally {
            system.shutdown();
        }
    }

    private static String rootMessage(Throwable e) {
        String msg = e.getMessage();
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
        }
        return msg;
    }

    private List<RemoteRepository> repositories() {
        List<RemoteRepository> repos = new ArrayList<>();
        repos.add(new RemoteRepository.Builder("central", "default", CENTRAL).build());
        List<String> active = settings.getActiveProfiles();
        for (Profile p : settings.getProfiles()) {
            boolean on = active.contains(p.getId()) || (p.getActivation() != null && p.getActivation().isActiveByDefault());
            if (on) {
                for (Repository r : p.getRepositories()) {
                    repos.add(new RemoteRepository.Builder(r.getId(), "default", r.getUrl()).build());
                }
            }
        }
        for (int i = 0; i < extraRepos.size(); i++) {
            repos.add(new RemoteRepository.Builder("extra-" + (i + 1), "default", extraRepos.get(i)).build());
        }
        return repos;
    }

    private DefaultMirrorSelector mirrors() {
        DefaultMirrorSelector selector = new DefaultMirrorSelector();
        for (Mirror m : settings.getMirrors()) {
            selector.add(m.getId(), m.getUrl(), m.getLayout(), false, m.isBlocked(), m.getMirrorOf(), m.getMirrorOfLayouts());
        }
        return selector;
    }

    private DefaultProxySelector proxies() {
        DefaultProxySelector selector = new DefaultProxySelector();
        for (Proxy p : settings.getProxies()) {
            if (!p.isActive()) {
                continue;
            }
            AuthenticationBuilder auth = new AuthenticationBuilder();
            if (p.getUsername() != null) {
                auth.addUsername(p.getUsername()).addPassword(p.getPassword());
            }
            selector.add(new org.eclipse.aether.repository.Proxy(p.getProtocol(), p.getHost(), p.getPort(), auth.build()),
                    p.getNonProxyHosts());
        }
        return selector;
    }

    private DefaultAuthenticationSelector authentication() {
        DefaultAuthenticationSelector selector = new DefaultAuthenticationSelector();
        for (Server s : settings.getServers()) {
            AuthenticationBuilder auth = new AuthenticationBuilder();
            if (s.getUsername() != null) {
                auth.addUsername(s.getUsername()).addPassword(s.getPassword());
            }
            if (s.getPrivateKey() != null) {
                auth.addPrivateKey(s.getPrivateKey(), s.getPassphrase());
            }
            selector.add(s.getId(), auth.build());
        }
        return selector;
    }
}
