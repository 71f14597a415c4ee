package io.precis.engine.model.torch;

import ai.djl.MalformedModelException;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.precis.engine.model.LoadOptions;
import io.precis.engine.model.ModelException;
import io.precis.engine.model.ModelTask;
import io.precis.engine.model.Sidecar;
import io.precis.engine.model.djl.DjlBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A TorchScript {@code .pt} file on DJL's PyTorch engine, loaded with {@code trainParam=true} so its
 * parameters are real, writable tensors. Layer names are the module's own parameter names.
 */
public final class TorchScriptBackend extends DjlBackend {

    private TorchScriptBackend(String where, ai.djl.Model model, ModelTask task, int[] imageShape) {
        super(where, model, task, imageShape);
        Map<String, Parameter> named = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) named.put(p.getKey(), p.getValue());
        index(named);
    }

    @Override
    protected boolean gradientsNeedTraining() {
        return true;
    }

    public static TorchScriptBackend load(Path file, LoadOptions options) {
        String where = file.toString();
        checkArchive(file);
        Sidecar side = Sidecar.read(file);
        ModelTask task = options.task() != null ? options.task()
                : side != null && side.task() != null ? side.task() : ModelTask.CLASSIFIER;
        int[] image = side != null && side.input() != null && side.input().length == 3 ? side.input() : null;
        String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        ai.djl.Model m = ai.djl.Model.newInstance(name, device(options.device()), ENGINE);
        try {
            m.load(file.toAbsolutePath().getParent(), file.getFileName().toString(), Map.of("trainParam", "true"));
            return new TorchScriptBackend(where, m, task, image);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            m.close();
            if (e instanceof ModelException me) throw me;
            throw new ModelException(where, "PyTorch cannot load this TorchScript file: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * A TorchScript file is a zip with {@code data.pkl} and compiled code; libtorch trusts it, so check the
     * archive (every entry's CRC included) before its bytes reach native code.
     */
    static void checkArchive(Path file) {
        String where = file.toString();
        if (!java.nio.file.Files.isRegularFile(file)) throw new ModelException(where, "file not found");
        boolean data = false, code = false;
        try (ZipFile z = new ZipFile(file.toFile())) {
            byte[] buf = new byte[1 << 16];
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String n = e.getName();
                if (n.endsWith("/data.pkl")) data = true;
                if (n.contains("/code/") || n.endsWith("/constants.pkl")) code = true;
                if (e.isDirectory()) continue;
                CRC32 crc = new CRC32();
                try (InputStream in = z.getInputStream(e)) {
                    for (int r; (r = in.read(buf)) > 0; ) crc.update(buf, 0, r);
                }
                if (e.getCrc() != -1 && crc.getValue() != e.getCrc())
                    throw new ModelException(where, "corrupt TorchScript archive: entry '" + n + "' fails its checksum");
            }
        } catch (java.util.zip.ZipException e) {
            throw new ModelException(where, "not a TorchScript file (not a readable zip archive: " + e.getMessage()
                    + "); the file may be truncated or a plain pickle saved with torch.save", e);
        } catch (IOException e) {
            throw new ModelException(where, "cannot read: " + e.getMessage(), e);
        }
        if (!data || !code)
            throw new ModelException(where, "not a TorchScript archive (missing " + (data ? "code/" : "data.pkl")
                    + "); save models with torch.jit.save");
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
