package io.precis.engine.model;

import io.precis.engine.analysis.Analysis;
import io.precis.engine.analysis.SensitivityCache;
import io.precis.engine.analysis.SensitivityTable;
import io.precis.engine.analysis.Sweep;
import io.precis.engine.analysis.Sweeps;
import io.precis.engine.bench.BenchReport;
import io.precis.engine.data.Dataset;
import io.precis.engine.data.Datasets;
import io.precis.engine.data.TextCorpus;
import io.precis.engine.eval.Evaluation;
import io.precis.engine.eval.Evaluator;
import io.precis.engine.eval.Metric;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.model.djl.DjlBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code make bench-gpu} (run on a machine with an NVIDIA GPU, see the README's GPU section): the DJL models
 * (char-lm, fashion-mlp, the TorchScript CNN) loaded as {@code set device gpu} loads them and again on the CPU,
 * in one JVM on one libtorch. For each: evaluation, one forward pass, a sensitivity table and a sweep on both,
 * compared within stated tolerances; the device copy of every swapped tensor read back and compared bit for bit
 * with the host copy; then the same sensitivity table and sweep timed on the GPU against the machine's own CPU
 * cores ({@code ratio = cpu time / gpu time}). Checks that fail are listed at the end and make the exit code 1,
 * after the JSON is written.
 *
 * <p>Usage: {@code GpuBench <out.json> <models-dir> <fashion-mnist-dir> <moby-dick.txt> [--require-gpu]
 * [--models char-lm,fashion-mlp,fashion-cnn] [--scale x]} (x multiplies the samples). Without {@code --require-gpu} a CPU-only machine runs
 * it too (the "gpu" models fall back to the CPU, which the output says), to test the program itself.
 */
public final class GpuBench {
    private final List<String> failures = new ArrayList<>();
    private final BenchReport report = new BenchReport();
    private final boolean requireGpu;

    private GpuBench(boolean requireGpu) {
        this.requireGpu = requireGpu;
    }

    /**
     * One model and how it is checked. Output and loss tolerances are relative; a sensitivity or sweep value may
     * differ by {@code cellAbs} (nats) plus {@code cellRel} of itself.
     */
    record Case(String name, Path file, Supplier<Dataset> data, List<Format> formats, int samples, int batch,
                double outRel, double lossRel, double cellAbs, double cellRel) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: GpuBench <out.json> <models-dir> <fashion-mnist-dir> <moby-dick.txt> [--require-gpu] [--models a,b] [--scale N]");
            System.exit(2);
        }
        Path out = Path.of(args[0]), models = Path.of(args[1]), fashion = Path.of(args[2]), moby = Path.of(args[3]);
        boolean require = false;
        List<String> only = null;
        double scale = 1;
        for (int i = 4; i < args.length; i++) {
            switch (args[i]) {
                case "--require-gpu" -> require = true;
                case "--models" -> only = Arrays.asList(args[++i].split(","));
                case "--scale" -> scale = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (Path p : List.of(models, fashion.resolve("t10k-images-idx3-ubyte.gz"), moby))
            if (!Files.exists(p)) throw new IllegalArgumentException(p + " is missing");

        Supplier<Dataset> images = () -> Datasets.fashionMnist(fashion, "test");
        Supplier<Dataset> text = () -> {
            String all = Datasets.text(moby).text();
            return new TextCorpus("moby-dick held-out", all.substring((int) (all.length() * 0.9)));
        };
        List<Format> formats = List.of(Formats.int8(), Formats.int4(), Formats.int2());
        // float32 matrix products on the GPU (cuBLAS, TF32 off by PyTorch's default) differ from the CPU's only by
        // summation order; cuDNN convolutions use TF32 unless NVIDIA_TF32_OVERRIDE=0, hence the CNN's wider bounds
        List<Case> cases = List.of(
                new Case("char-lm", models.resolve("trained/char-lm-0000.params"), text, formats, (int) Math.max(16, 512 * scale), 64,
                        1e-4, 1e-5, 1e-5, 1e-3),
                new Case("fashion-mlp", models.resolve("trained/fashion-mlp-0000.params"), images, formats, (int) Math.max(16, 2048 * scale), 256,
                        1e-4, 1e-5, 1e-5, 1e-3),
                new Case("fashion-cnn", models.resolve("torchscript/fashion_cnn.pt"), images, formats, (int) Math.max(16, 2048 * scale), 256,
                        5e-3, 1e-3, 2e-3, 5e-2));

        GpuBench b = new GpuBench(require);
        b.report.plain("cpu cores seen by the JVM", Runtime.getRuntime().availableProcessors(), "cores");
        for (Case c : cases) if (only == null || only.contains(c.name())) b.run(c);
        b.report.write(out);
        if (b.failures.isEmpty()) {
            System.out.println("GPU CHECK: PASS");
            System.exit(0);
        }
        System.out.println("GPU CHECK: FAIL");
        b.failures.forEach(f -> System.out.println("  " + f));
        System.exit(1);
    }

    private void run(Case c) {
        System.out.println("== " + c.name());
        Dataset data = c.data().get();
        try (Model cpu = Models.load(c.file(), LoadOptions.defaults().device("cpu"));
             Model gpu = Models.load(c.file(), LoadOptions.defaults().device("gpu"))) {
            System.out.println("cpu: " + cpu + "\ngpu: " + gpu);
            boolean onGpu = gpu.device().startsWith("gpu");
            if (!onGpu) {
                System.out.println("set device gpu fell back to " + gpu.device() + ": " + Devices.fallback(DjlBackend.ENGINE, "see above"));
                if (requireGpu) failures.add(c.name() + ": loaded on " + gpu.device() + ", not on the GPU");
            }
            DjlBackend gb = (DjlBackend) gpu.backend();

            // evaluation and one forward pass
            Evaluation ec = new Evaluator(cpu, data, c.batch(), 0, c.samples()).evaluate();
            Evaluation eg = new Evaluator(gpu, data, c.batch(), 0, c.samples()).evaluate();
            System.out.println("cpu " + ec.toText() + "\ngpu " + eg.toText());
            double loss = ec.get(Metric.LOSS);
            double lossRel = Math.abs(eg.get(Metric.LOSS) - loss) / Math.abs(loss);
            check(c.name() + ": evaluation loss, |gpu - cpu| / cpu", lossRel, c.lossRel());
            int samples = new Evaluator(cpu, data, c.batch(), 0, c.samples()).samples();
            if (ec.has(Metric.ACCURACY)) // a few near-ties may flip their argmax
                check(c.name() + ": evaluation accuracy, |gpu - cpu|", Math.abs(eg.get(Metric.ACCURACY) - ec.get(Metric.ACCURACY)), 3.0 / samples);
            ModelInput first = new Evaluator(cpu, data, c.batch(), 0, c.samples()).inputs().get(0);
            float[] oc = cpu.forward(first).values(), og = gpu.forward(first).values();
            double maxAbs = 0, maxDiff = 0;
            for (int i = 0; i < oc.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(oc[i]));
                maxDiff = Math.max(maxDiff, Math.abs(og[i] - oc[i]));
            }
            check(c.name() + ": outputs of one batch, max |gpu - cpu| / max |cpu|", maxDiff / maxAbs, c.outRel());

            // sensitivity table and sweep: values compared, then timed (each after a warm-up on its own analysis)
            Analysis ac = analysis(cpu, data, c), ag = analysis(gpu, data, c);
            List<LayerRef> layers = ac.quantizableLayers();
            SensitivityTable tc = ac.sensitivity(layers, c.formats());
            SensitivityTable tg = ag.sensitivity(layers, c.formats());
            double worstCell = 0, worstRatio = 0;
            for (LayerRef l : layers)
                for (Format f : c.formats()) {
                    double vc = tc.value(l.name(), f), vg = tg.value(l.name(), f);
                    double d = Math.abs(vg - vc);
                    worstCell = Math.max(worstCell, d);
                    worstRatio = Math.max(worstRatio, d / (c.cellAbs() + c.cellRel() * Math.abs(vc)));
                }
            System.out.println("cpu " + tc.toText() + "gpu " + tg.toText());
            report.plain(c.name() + ": sensitivity, largest |gpu - cpu| of a cell (" + layers.size() + " layers x "
                    + c.formats().size() + " formats, " + tc.metric().labelWithUnit() + ")", worstCell, "abs");
            check(c.name() + ": sensitivity cells, largest |gpu - cpu| / (" + c.cellAbs() + " + " + c.cellRel() + " |cpu|)", worstRatio, 1.0);
            for (Format f : c.formats()) {
                String top = tc.ranked(f).get(0).name(), topG = tg.ranked(f).get(0).name();
                if (!top.equals(topG)) failures.add(c.name() + ": most sensitive layer at " + f + " is " + top + " on cpu, " + topG + " on gpu");
            }
            Sweep sc = ac.sweep(Sweeps.byKind(layers), c.formats());
            Sweep sg = ag.sweep(Sweeps.byKind(layers), c.formats());
            double worstPoint = 0;
            for (int i = 0; i < sc.points().size(); i++) {
                double vc = sc.points().get(i).value(), vg = sg.points().get(i).value();
                worstPoint = Math.max(worstPoint, Math.abs(vg - vc) / (c.cellAbs() + c.cellRel() * Math.abs(vc)));
            }
            check(c.name() + ": sweep points, largest |gpu - cpu| / (" + c.cellAbs() + " + " + c.cellRel() + " |cpu|)", worstPoint, 1.0);

            // the weights: restored bit for bit on both, and the device holds exactly the host copies
            if (!cpu.weightsHash().equals(gpu.weightsHash())) failures.add(c.name() + ": weights differ after restore");
            gpu.swap(gpu.layer(layers.get(0).name()), WeightTransform.fakeQuantize(Formats.int4()));
            cpu.swap(cpu.layer(layers.get(0).name()), WeightTransform.fakeQuantize(Formats.int4()));
            if (!cpu.weightsHash().equals(gpu.weightsHash())) failures.add(c.name() + ": int4 weights differ between cpu and gpu");
            List<String> stale = gb.staleOnDevice();
            gpu.restoreAll();
            cpu.restoreAll();
            stale = new ArrayList<>(stale);
            stale.addAll(gb.staleOnDevice());
            if (!stale.isEmpty()) failures.add(c.name() + ": device copies differ from the host copies: " + stale);
            report.plain(c.name() + ": tensors uploaded to the device (host copies -> " + gpu.device() + ")", gb.uploads(), "tensors");
            if (onGpu && gb.uploads() == 0) failures.add(c.name() + ": no tensor was ever uploaded to the GPU");

            // timing: the same table and sweep again, fresh caches, full precision outputs already computed
            double tCpu = time(() -> analysis(cpu, data, c).cache(SensitivityCache.inMemory()).sensitivity(layers, c.formats()));
            double tGpu = time(() -> analysis(gpu, data, c).cache(SensitivityCache.inMemory()).sensitivity(layers, c.formats()));
            String where = String.format(Locale.ROOT, "%d %s, batch %d", samples,
                    data instanceof TextCorpus ? "windows" : "images", c.batch());
            report.seconds(c.name() + ": sensitivity of " + layers.size() + " layers x " + c.formats().size() + " formats (" + where
                    + "), " + gpu.device() + " vs the same machine's cpu", tGpu, tCpu);
            double sCpu = time(() -> analysis(cpu, data, c).cache(SensitivityCache.inMemory()).sweep(Sweeps.byKind(layers), c.formats()));
            double sGpu = time(() -> analysis(gpu, data, c).cache(SensitivityCache.inMemory()).sweep(Sweeps.byKind(layers), c.formats()));
            report.seconds(c.name() + ": sweep by layer kind x " + c.formats().size() + " formats (" + where + "), "
                    + gpu.device() + " vs the same machine's cpu", sGpu, sCpu);
            double eCpu = time(() -> new Evaluator(cpu, data, c.batch(), 0, c.samples()).evaluate());
            double eGpu = time(() -> new Evaluator(gpu, data, c.batch(), 0, c.samples()).evaluate());
            report.seconds(c.name() + ": one evaluation (" + where + "), " + gpu.device() + " vs the same machine's cpu", eGpu, eCpu);
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            failures.add(c.name() + ": " + e);
        }
    }

    private static Analysis analysis(Model m, Dataset data, Case c) {
        return Analysis.of(m, data).samples(c.samples()).batchSize(c.batch()).cache(SensitivityCache.inMemory());
    }

    private void check(String what, double value, double bound) {
        report.plain(what + " (bound " + bound + ")", value, "relative");
        if (!(value <= bound)) failures.add(String.format(Locale.ROOT, "%s = %.3g, above %.3g", what, value, bound));
    }

    private static double time(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return (System.nanoTime() - t) / 1e9;
    }
}
