package io.precis.engine.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Formats;
import io.precis.engine.model.Model;
import io.precis.engine.model.Models;
import io.precis.engine.model.TestFiles;
import io.precis.engine.plan.LayerPattern;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.plan.Planner;
import io.precis.engine.plan.Rule;
import io.precis.engine.plan.SensitivityLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plans to JSON and back, atomically, against the model they were made for. */
class PlanJsonTest {

    @Test
    void aResolvedPlanRoundTripsWithItsProvenance(@TempDir Path dir) throws Exception {
        try (Model m = Models.load(TestFiles.models("trained/char-lm-0000.params"))) {
            Plan plan = Planner.resolve(m.name(), m.layers(), List.of(
                    Rule.quantize("rule 1: quantize blocks.* to int4 group 16", List.of(LayerPattern.glob("blocks.*")), Formats.parse("int4 group 16")),
                    Rule.quantize("rule 2: quantize *.attn.* to mxfp4", List.of(LayerPattern.glob("*.attn.*")), Formats.mxfp4()),
                    Rule.keep("rule 3: keep *.fc2", List.of(LayerPattern.glob("*.fc2")))), SensitivityLookup.NONE);
            Path file = dir.resolve("plan.json");
            PlanJson.write(plan, m, file);
            try (var files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temp file left behind");
            }
            String text = Files.readString(file);
            assertTrue(text.contains("\"sha256\" : \"" + m.modelHash() + "\""), text);
            assertTrue(text.contains("\"format\" : \"int4 group 16\""), text);
            Plan back = PlanJson.read(file, m);
            assertEquals(plan.layers().size(), back.layers().size());
            for (int i = 0; i < plan.layers().size(); i++) {
                LayerPlan a = plan.layers().get(i), b = back.layers().get(i);
                assertEquals(a.name(), b.name());
                assertEquals(a.format(), b.format());
                assertEquals(a.decidedBy(), b.decidedBy());
                assertEquals(a.bits(), b.bits());
            }
            assertEquals(plan.formats(), back.formats());
            assertEquals(plan.effectiveBits(), back.effectiveBits());
            assertEquals(Formats.mxfp4(), back.layer("blocks.0.attn.qkv").orElseThrow().format());
            assertEquals(null, back.layer("blocks.1.mlp.fc2").orElseThrow().format());
        }
    }

    @Test
    void aPlanForAnotherModelOrABrokenFileIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        try (Model lm = Models.load(TestFiles.models("trained/char-lm-0000.params"));
             Model mlp = Models.load(TestFiles.models("trained/fashion-mlp-0000.params"))) {
            Path file = dir.resolve("lm.json");
            PlanJson.write(Plan.of(lm, Map.of("head", Formats.int8()), "test"), lm, file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanJson.read(file, mlp));
            assertTrue(e.getMessage().contains("written for model char-lm") && e.getMessage().contains("not fashion-mlp"), e.getMessage());
            Files.writeString(dir.resolve("bad.json"), "{\"precis\": \"plan\", \"version\": 1, \"model\": {\"sha256\": \"" + lm.modelHash()
                    + "\"}, \"layers\": [{\"name\": \"head\", \"format\": \"in4\"}]}");
            e = assertThrows(IllegalArgumentException.class, () -> PlanJson.read(dir.resolve("bad.json"), lm));
            assertTrue(e.getMessage().contains("layer head") && e.getMessage().contains("in4"), e.getMessage());
            Files.writeString(dir.resolve("junk.json"), "not json");
            e = assertThrows(IllegalArgumentException.class, () -> PlanJson.read(dir.resolve("junk.json"), lm));
            assertTrue(e.getMessage().contains("junk.json"), e.getMessage());
            IllegalArgumentException noDir = assertThrows(IllegalArgumentException.class,
                    () -> PlanJson.write(Plan.of(lm, Map.of(), "t"), lm, dir.resolve("missing/plan.json")));
            assertTrue(noDir.getMessage().contains("does not exist"), noDir.getMessage());
            // exports into what is not a regular file: refused, the path named once, no temporary file's name
            Path folder = Files.createDirectory(dir.resolve("folder.json"));
            Path link = Files.createSymbolicLink(dir.resolve("to-null.json"), Path.of("/dev/null"));
            for (Path odd : List.of(folder, link)) {
                IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> PlanJson.write(Plan.of(lm, Map.of(), "t"), lm, odd));
                String m = w.getMessage();
                assertEquals(m.indexOf(odd.toString()), m.lastIndexOf(odd.toString()), "path once: " + m);
                assertTrue(m.startsWith("cannot write " + odd + ": ") && !m.contains(".tmp"), m);
                assertTrue(Files.isSymbolicLink(link) && Files.isDirectory(folder), "left as they were");
            }
        }
    }
}
