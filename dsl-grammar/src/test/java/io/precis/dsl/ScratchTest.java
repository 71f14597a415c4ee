package io.precis.dsl;

import org.junit.jupiter.api.Test;

class ScratchTest {
    @Test
    void show() {
        String[] cells = {
            "quantize layer* to int4 where sensitivity < x // the canonical example\nquantize *.attention.* to int8 per channel\nkeep pooler*\nshow plan",
            "quantise layer* to int4",
            "quantize layer* int4 where sensitivity < x",
            "quantize * to int4 per chanel",
            "quantize * to int4 symetric",
            "keep a b",
            "sweep * int8, int4",
            "search budget 4bits",
            "load model \"abc",
            "quantize * to in4 where params > 1Mx\nkeep pooler*\nshow plans\nevaluate",
            "double x = 0.002;\nshow plan",
            "quantize * to",
            "quantize * to int4 where sensitivity x",
            "quantize * to int4 where",
            "set metric 'kl'",
            "quantize [abc to int4",
            "show layers matching *.dense where params > 1M except pooler*",
            "quantize * to int4 group 12.5 percentile 200 group 128",
            "keep re\"enc(oder\"",
        };
        for (String c : cells) {
            ParseResult r = DslParser.parse(c);
            System.out.println("=== " + c.replace("\n", "\\n") + "  [" + DslParser.isComplete(c) + "]");
            System.out.println(r.hasErrors() ? r.formatDiagnostics() : AstPrinter.print(r.program()));
        }
        System.out.println(Language.statementKeywords());
        System.out.println(Language.overview());
        for (String c : new String[]{"", "quantize ", "quantize * to ", "quantize * to in", "quantize * to int4 ", "use ", "use m on ", "load model \"fo", "quantize * to int4 where ", "quantize * to int4 where params > ", "set ", "sensitivity "}) {
            System.out.println("[" + c + "] -> " + Completion.at(c, c.length()));
        }
    }
}
