package io.precis.engine.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.algo.Gptq;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.calib.Calibration;
import io.precis.engine.data.Datasets;
import io.precis.engine.model.TestFiles;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A method's cache key holds the algorithm with every option and the calibration: no two differ only outside it. */
class MethodKeyTest {

    @Test
    void keysDistinguishAlgorithmsOptionsAndCalibration() {
        Calibration cal = Calibration.on(Datasets.sentences(TestFiles.sentences()));
        List<Method> methods = List.of(
                Method.of(QuantAlgorithm.RTN, null, null),
                Method.of(QuantAlgorithm.of("gptq"), cal, null),
                Method.of(new QuantAlgorithm.GptqAlgorithm(Gptq.Options.DEFAULT.actOrder(Gptq.ActOrder.STATIC)), cal, null),
                Method.of(new QuantAlgorithm.GptqAlgorithm(Gptq.Options.DEFAULT.damp(0.05)), cal, null),
                Method.of(QuantAlgorithm.of("awq"), cal, null),
                Method.of(QuantAlgorithm.of("gptq"), cal.samples(64), null),
                Method.of(QuantAlgorithm.of("gptq"), cal.seed(1), null));
        Set<String> keys = new HashSet<>();
        for (Method m : methods) keys.add(m.key());
        assertEquals(methods.size(), keys.size(), keys.toString());
        // round to nearest without rules keeps the keys scores had before methods existed
        assertEquals("", Method.RTN.key());
        assertTrue(Method.RTN.plain() && !methods.get(1).plain());
        assertTrue(methods.get(3).key().contains("damp 0.05"), methods.get(3).key());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Method.of(QuantAlgorithm.of("gptq"), null, null));
        assertTrue(e.getMessage().contains("needs calibration data"), e.getMessage());
    }
}
