"""jupyter_kernel_test's whole suite, with Java snippets for every test it offers."""
import os
import tempfile
import unittest

import jupyter_kernel_test

# Keep this suite's history out of the user's.
os.environ.setdefault("PRECIS_HISTORY_DIR", tempfile.mkdtemp(prefix="precis-jkt-history-"))


class PrecisKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("PRECIS_KERNEL_NAME", "precis")
    language_name = "java"
    file_extension = ".java"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("oops");'

    completion_samples = [
        {"text": "Strin", "matches": {"String", "StringBuffer", "StringBuilder", "StringIndexOutOfBoundsException",
                                       "StringReader", "StringWriter", "StringTokenizer", "StringJoiner",
                                       "StringBufferInputStream"}},
        {"text": "Math.ma", "matches": {"max("}},
        {"text": "%lsm", "matches": {"%lsmagic"}},
    ]

    complete_code_samples = ["1 + 1", "int x = 1;", "void f() { }", "%lsmagic", "class A { int a; }"]
    incomplete_code_samples = ["class A {", "for (int i = 0; i < 3; i++) {", "int[] a = {1, 2", "1 +"]
    invalid_code_samples = ["}", '"unterminated', "void f() { int q = ; }"]

    code_page_something = "String?"

    code_generate_error = 'throw new RuntimeException("expected");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"hello"', "result": '"hello"'},
        {"code": "java.util.List.of(1, 2, 3)", "result": "[1, 2, 3]"},
    ]

    code_display_data = [
        {"code": 'display("<b>bold</b>", "text/html");', "mime": "text/html"},
        {"code": 'display("# Title", "text/markdown");', "mime": "text/markdown"},
        {"code": "display(new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB));",
         "mime": "image/png"},
    ]

    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = 'System.out.println("soon gone"); clearOutput();'


class PrecisIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = os.environ.get("PRECIS_KERNEL_NAME", "precis")
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
