// Test-vector harness (not part of make test): quantizes the floats in quant-input.f32 with llama.cpp's own
// reference quantizers (quantize_row_*_ref in ggml-quants.c) and writes the blocks, so the Java quantizers can be
// checked code for code. Built and run by ggml_ref_vectors.sh.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "ggml.h"
#include "ggml-quants.h"
#include "ggml-common.h"

// ggml-quants.c calls a few ggml functions that need the whole library; the reference quantizers never reach them.
void ggml_abort(const char * file, int line, const char * fmt, ...) { fprintf(stderr, "abort %s:%d\n", file, line); exit(3); }
size_t ggml_row_size(enum ggml_type type, int64_t ne) { abort(); }
size_t ggml_type_size(enum ggml_type type) { abort(); }
const char * ggml_type_name(enum ggml_type type) { abort(); }

static float * read_all(const char * path, size_t * n) {
    FILE * f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END); long bytes = ftell(f); fseek(f, 0, SEEK_SET);
    float * x = malloc(bytes);
    if (fread(x, 1, bytes, f) != (size_t) bytes) { perror("read"); exit(2); }
    fclose(f);
    *n = bytes / sizeof(float);
    return x;
}

static void write_all(const char * dir, const char * name, const void * data, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE * f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes) { perror(path); exit(2); }
    fclose(f);
}

int main(int argc, char ** argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s quant-input.f32 outdir\n", argv[0]); return 1; }
    size_t n;
    float * x = read_all(argv[1], &n);
    if (n % QK_K) { fprintf(stderr, "input must be a multiple of %d floats\n", QK_K); return 1; }
    void * y = malloc(n * 2);
    quantize_row_q2_K_ref(x, y, n); write_all(argv[2], "ggml-Q2_K.bin", y, n / QK_K * sizeof(block_q2_K));
    quantize_row_q3_K_ref(x, y, n); write_all(argv[2], "ggml-Q3_K.bin", y, n / QK_K * sizeof(block_q3_K));
    quantize_row_q4_K_ref(x, y, n); write_all(argv[2], "ggml-Q4_K.bin", y, n / QK_K * sizeof(block_q4_K));
    quantize_row_q5_K_ref(x, y, n); write_all(argv[2], "ggml-Q5_K.bin", y, n / QK_K * sizeof(block_q5_K));
    quantize_row_q6_K_ref(x, y, n); write_all(argv[2], "ggml-Q6_K.bin", y, n / QK_K * sizeof(block_q6_K));
    quantize_row_q4_0_ref(x, y, n); write_all(argv[2], "ggml-Q4_0.bin", y, n / QK4_0 * sizeof(block_q4_0));
    quantize_row_q4_1_ref(x, y, n); write_all(argv[2], "ggml-Q4_1.bin", y, n / QK4_1 * sizeof(block_q4_1));
    quantize_row_q5_0_ref(x, y, n); write_all(argv[2], "ggml-Q5_0.bin", y, n / QK5_0 * sizeof(block_q5_0));
    quantize_row_q5_1_ref(x, y, n); write_all(argv[2], "ggml-Q5_1.bin", y, n / QK5_1 * sizeof(block_q5_1));
    quantize_row_q8_0_ref(x, y, n); write_all(argv[2], "ggml-Q8_0.bin", y, n / QK8_0 * sizeof(block_q8_0));
    printf("wrote ggml-*.bin for %zu floats to %s\n", n, argv[2]);
    return 0;
}
