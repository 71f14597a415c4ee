package io.precis.language;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.language.testkit.CellTester;
import org.junit.jupiter.api.Test;

/** Without the optional precis-spark module on the class path, {@code set cluster} says what to add. */
class ClusterSettingTest {
    @Test
    void setClusterWithoutTheSparkModuleNamesWhatToAdd() {
        try (CellTester cells = new CellTester()) {
            String err = cells.run("set cluster \"local[2]\"").assertFailed("PrecisError");
            assertTrue(err.contains("line 1:13") && err.contains("precis-spark"), err);
            assertTrue(cells.session().cluster().isEmpty());
            cells.run("set cluster none").assertOk();
        }
    }
}
