package io.precis.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Jupyter's is_complete for DSL cells: "\n" in a case stands for a line break. */
class CompletenessTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                              | COMPLETE",
        "// only a comment\\n# and another               | COMPLETE",
        "evaluate                                        | COMPLETE",
        "sensitivity                                     | COMPLETE",
        "quantize layer* to int4 where sensitivity < x   | COMPLETE",
        "keep pooler*; show plan                         | COMPLETE",
        "show                                            | INCOMPLETE",
        "quantize                                        | INCOMPLETE",
        "quantize layer*                                 | INCOMPLETE",
        "quantize layer* to                              | INCOMPLETE",
        "quantize layer* to int4 where                   | INCOMPLETE",
        "quantize layer* to int4 where sensitivity <     | INCOMPLETE",
        "quantize * to int4 where (params > 1 or         | INCOMPLETE",
        "sweep * over int8,                              | INCOMPLETE",
        "keep pooler*\\nquantize * to   // format next   | INCOMPLETE",
        "load model                                      | INCOMPLETE",
        "search budget 4.5                               | INCOMPLETE",
        "export best as json                             | INCOMPLETE",
        "quantise layer* to int4                         | INVALID",
        "quantize * int4                                 | INVALID",
        "load model \"unterminated                       | INVALID",
        "quantize * to int4 group 0                      | INVALID",
        "quantise * to int4\\nquantize * to              | INVALID",
        "keep pooler* @                                  | INVALID",
    })
    void isComplete(String cell, Completeness expected) {
        assertEquals(expected, DslParser.isComplete(cell.replace("\\n", "\n")));
    }

    @ParameterizedTest
    @CsvSource({"COMPLETE,complete", "INCOMPLETE,incomplete", "INVALID,invalid"})
    void jupyterStatus(Completeness c, String status) {
        assertEquals(status, c.jupyterStatus());
    }
}
