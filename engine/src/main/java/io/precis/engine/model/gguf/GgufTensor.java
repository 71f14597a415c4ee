package io.precis.engine.model.gguf;

import io.precis.engine.format.ggml.GgmlType;

/**
 * One tensor of a GGUF file: its name, ggml dimensions ({@code ne}, innermost first) and type, and where its bytes
 * lie in the file (absolute, already checked to lie inside it).
 */
public record GgufTensor(String name, long[] ne, GgmlType type, long fileOffset, long bytes) {

    public GgufTensor {
        ne = ne.clone();
    }

    @Override
    public long[] ne() { return ne.clone(); }

    /** Elements. */
    public long elements() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** The PyTorch / numpy shape: ne reversed ({@code token_embd} ne [576, 49152] is [49152, 576]). */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
        return s;
    }

    /** Length of a row (ne[0]); blocks run along it. */
    public long rowLength() { return ne.length == 0 ? 1 : ne[0]; }
}
