"""The Precis kernel over the real Jupyter wire protocol (jupyter_client, ZeroMQ)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
import zmq
from jupyter_client.session import Session

from kernel_client import KernelSession

ROOT = Path(__file__).resolve().parent.parent


def is_alive(pid):
    """True while the process runs; a zombie (exited, not yet reaped) counts as dead."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except FileNotFoundError:
        return False
    return True


# ---- kernel_info and message order ---------------------------------------------------------------

def test_kernel_info_reply_has_status_and_language_info(kernel):
    reply = kernel.request(lambda kc: kc.kernel_info(), "kernel_info_reply")
    c = reply["content"]
    assert c["status"] == "ok"
    assert c["protocol_version"].startswith("5.")
    li = c["language_info"]
    assert li["name"] == "java"
    assert li["mimetype"] == "text/x-java"
    assert li["file_extension"] == ".java"
    assert li["codemirror_mode"] == "java"
    assert int(li["version"].split(".")[0]) >= 21


def test_iopub_order_is_busy_input_outputs_idle(kernel):
    r = kernel.execute('System.out.println("a");\n"b"')
    types = [m["msg_type"] for m in r.iopub]
    assert types[0] == "status" and r.iopub[0]["content"]["execution_state"] == "busy"
    assert types[1] == "execute_input"
    assert types[-1] == "status" and r.iopub[-1]["content"]["execution_state"] == "idle"
    assert types.index("stream") < types.index("execute_result")
    assert r.result() == '"b"'


def test_dates_have_sub_second_resolution(kernel):
    r = kernel.execute("1+1")
    date = r.reply["header"]["date"]
    date = date if isinstance(date, str) else date.isoformat()
    assert "." in date, date


# ---- Java cells ----------------------------------------------------------------------------------

def test_last_expression_is_the_result(kernel):
    r = kernel.execute("int q = 20;\nq + 22")
    assert r.status == "ok"
    assert r.result() == "42"
    assert r.reply["content"]["execution_count"] == r.of_type("execute_result")[0]["content"]["execution_count"]


def test_imports_methods_classes_and_redefinition(kernel):
    assert kernel.execute("import java.util.concurrent.atomic.AtomicInteger;\nnew AtomicInteger(3).incrementAndGet()").result() == "4"
    kernel.execute("int twice(int a) { return 2 * a; }")
    assert kernel.execute("twice(21)").result() == "42"
    kernel.execute("int twice(int a) { return 3 * a; }")
    assert kernel.execute("twice(21)").result() == "63"
    kernel.execute("record Point(int x, int y) { int sum() { return x + y; } }")
    assert kernel.execute("new Point(2, 3).sum()").result() == "5"
    kernel.execute("record Point(int x, int y) { int sum() { return x * y; } }")
    assert kernel.execute("new Point(2, 3).sum()").result() == "6"


def test_statements_without_value_have_no_result(kernel):
    r = kernel.execute("int unused = 1;")
    assert r.status == "ok" and r.of_type("execute_result") == []


def test_stderr_and_output_from_other_threads(kernel):
    r = kernel.execute('System.err.println("to stderr");')
    assert "to stderr" in r.stderr()
    r = kernel.execute(textwrap.dedent("""
        Thread t = new Thread(() -> System.out.println("from a thread"));
        t.start(); t.join();
    """))
    assert "from a thread" in r.stdout()


def test_unicode_output_survives_chunking(kernel):
    r = kernel.execute('String s = "ü€😀".repeat(400); System.out.print(s); s.length()')
    assert r.stdout() == "ü€😀" * 400
    assert r.result() == str(400 * 4)


def test_runtime_error_traceback_is_trimmed_to_user_frames(kernel):
    kernel.execute("int divide(int a, int b) {\n    return a / b;\n}")
    r = kernel.execute("int z = 0;\ndivide(1, z)")
    assert r.status == "error"
    e = r.error()
    assert e["ename"] == "java.lang.ArithmeticException"
    assert e["evalue"] == "/ by zero"
    tb = "\n".join(e["traceback"])
    assert "divide (In[" in tb and "line 2)" in tb
    assert "jdk.jshell" not in tb and "RemoteControl" not in tb and "$JShell$" not in tb
    assert r.reply["content"]["ename"] == e["ename"]


def test_compile_error_points_at_the_code(kernel):
    r = kernel.execute("int ok = 1;\nint y = undefinedThing + 1;")
    e = r.error()
    assert e["ename"] == "CompilationException"
    assert "cannot find symbol" in e["evalue"]
    tb = [l for l in e["traceback"]]
    assert "line 2:9:" in tb
    caret_line = tb[tb.index("line 2:9:") + 2]
    assert caret_line == " " * 8 + "^" * len("undefinedThing")


def test_error_stops_the_cell_and_aborts_queued_cells(kernel):
    ids = [kernel.kc.execute('throw new IllegalStateException("boom");'),
           kernel.kc.execute("int neverRuns = 1;")]
    first = kernel.collect(ids[0])
    second = kernel.collect(ids[1])
    assert first.status == "error"
    assert second.status == "aborted"
    assert kernel.execute("neverRuns").status == "error"


def test_system_exit_stops_the_cell_not_the_kernel(kernel):
    kernel.execute("int kept = 7;")
    r = kernel.execute("System.exit(3);")
    assert r.error()["ename"] == "SystemExit"
    assert kernel.execute("kept").result() == "7"
    r = kernel.execute("Runtime.getRuntime().halt(1);")
    assert r.error()["ename"] == "SystemExit"
    assert kernel.execute("kept").result() == "7"


def test_silent_execution_shows_nothing_and_keeps_the_count(kernel):
    before = kernel.execute("1").reply["content"]["execution_count"]
    r = kernel.execute("2", silent=True)
    assert r.of_type("execute_result") == []
    assert not [m for m in r.iopub if m["msg_type"] == "execute_input"]
    after = kernel.execute("3").reply["content"]["execution_count"]
    assert after == before + 1


def test_user_expressions(kernel):
    kernel.execute("int ux = 6;")
    r = kernel.execute("ux = ux * 7;", user_expressions={"value": "ux", "bad": "nope + 1"})
    ue = r.reply["content"]["user_expressions"]
    assert ue["value"]["status"] == "ok" and ue["value"]["data"]["text/plain"] == "42"
    assert ue["bad"]["status"] == "error"


# ---- display -------------------------------------------------------------------------------------

def test_display_and_update_share_a_display_id(kernel):
    r = kernel.execute(textwrap.dedent("""
        var h = display("<b>one</b>", "text/html");
        h.update("<b>two</b>", "text/html");
    """))
    d = r.of_type("display_data")[0]["content"]
    u = r.of_type("update_display_data")[0]["content"]
    assert d["data"]["text/html"] == "<b>one</b>"
    assert u["data"]["text/html"] == "<b>two</b>"
    assert d["transient"]["display_id"] == u["transient"]["display_id"]
    assert r.of_type("execute_result") == []


def test_display_keeps_order_with_printed_lines(kernel):
    r = kernel.execute('System.out.println("before"); display("<i>x</i>", "text/html"); System.out.println("after");')
    kinds = [(m["msg_type"], m["content"].get("text", "").strip()) for m in r.outputs]
    assert kinds == [("stream", "before"), ("display_data", ""), ("stream", "after")]


def test_renderer_registered_in_code_drives_the_result(kernel):
    kernel.execute(textwrap.dedent("""
        record Money(long cents) {}
        io.precis.kernel.display.Renderers.register(Money.class,
            m -> io.precis.display.MimeBundle.of("text/html", "<b>" + m.cents() / 100.0 + " EUR</b>"));
    """))
    r = kernel.execute("new Money(1234)")
    assert r.result("text/html") == "<b>12.34 EUR</b>"
    assert r.result("text/plain").startswith("Money[")


def test_clear_output(kernel):
    r = kernel.execute('System.out.println("x"); clearOutput();')
    assert r.of_type("clear_output")


def test_buffered_image_renders_as_png(kernel):
    r = kernel.execute("new java.awt.image.BufferedImage(4, 3, java.awt.image.BufferedImage.TYPE_INT_RGB)")
    png = r.result("image/png")
    assert png and png.startswith("iVBOR")


# ---- stdin ---------------------------------------------------------------------------------------

def test_reading_system_in_asks_the_frontend(kernel):
    r = kernel.execute("new java.util.Scanner(System.in).nextLine().toUpperCase()", allow_stdin=True,
                       stdin_answers=["forty two"])
    assert len(r.stdin) == 1
    assert r.stdin[0]["content"]["password"] is False
    assert r.result() == '"FORTY TWO"'


def test_without_stdin_reading_sees_end_of_input(kernel):
    r = kernel.execute("new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine()", allow_stdin=False)
    assert r.result() == "null"
    assert "does not accept input" in r.stderr()


# ---- interrupt -----------------------------------------------------------------------------------

def interrupt_after(session, seconds):
    def go():
        time.sleep(seconds)
        session.interrupt()
    threading.Thread(target=go, daemon=True).start()


def test_interrupt_stops_a_tight_loop_and_keeps_state(kernel):
    kernel.execute("int survivor = 99;")
    interrupt_after(kernel, 1.0)
    t0 = time.time()
    r = kernel.execute("while (true) {}", timeout=30)
    assert time.time() - t0 < 10
    assert r.status == "error"
    assert r.error()["ename"] == "Interrupted"
    assert kernel.execute("survivor + 1").result() == "100"


def test_interrupt_stops_sleep_and_loops_in_methods(kernel):
    kernel.execute("long spin(long n) { long s = 0; for (long i = 0; ; i++) { s += i % n; } }")
    interrupt_after(kernel, 1.0)
    assert kernel.execute("spin(7)", timeout=30).error()["ename"] == "Interrupted"
    interrupt_after(kernel, 1.0)
    assert kernel.execute("Thread.sleep(60_000);", timeout=30).error()["ename"] == "Interrupted"
    # Code that catches everything is still stopped at its next loop iteration.
    interrupt_after(kernel, 1.0)
    r = kernel.execute("while (true) { try { Thread.sleep(10); } catch (Throwable t) { } }", timeout=30)
    assert r.error()["ename"] == "Interrupted"
    assert kernel.execute("1+1").result() == "2"


def test_second_interrupt_restarts_an_unresponsive_execution_jvm(fresh_kernel):
    k = fresh_kernel
    k.execute("int lost = 1;")
    # BigInteger.pow runs in the JDK, never checks interrupts: only killing the JVM stops it.
    interrupt_after(k, 1.0)
    interrupt_after(k, 2.5)
    t0 = time.time()
    r = k.execute("java.math.BigInteger.valueOf(3).pow(400_000_000).bitLength()", timeout=60)
    assert time.time() - t0 < 30
    assert r.status == "error"
    assert r.error()["ename"] in ("Interrupted", "ExecutionJvmExited")
    after = k.execute("lost")
    assert after.status == "error"           # a fresh JVM: the old variables are gone
    assert k.execute("2+3", timeout=120).result() == "5"


def test_sigint_interrupts_too(fresh_kernel):
    k = fresh_kernel
    def go():
        time.sleep(1.0)
        os.kill(k.km.provisioner.process.pid, signal.SIGINT)
    threading.Thread(target=go, daemon=True).start()
    r = k.execute("while (true) {}", timeout=30)
    assert r.error()["ename"] == "Interrupted"
    assert k.execute("1+1").result() == "2"


# ---- completion, inspection, is_complete --------------------------------------------------------

def test_complete_names_and_members(kernel):
    c = kernel.request(lambda kc: kc.complete("Strin"), "complete_reply")["content"]
    assert c["status"] == "ok" and "String" in c["matches"]
    assert c["cursor_start"] == 0 and c["cursor_end"] == 5
    code = 'int k = 1;\n"abc".subs'
    c = kernel.request(lambda kc: kc.complete(code, len(code)), "complete_reply")["content"]
    assert "substring(" in c["matches"]
    assert c["cursor_start"] == len(code) - len("subs")


def test_complete_cursor_counts_code_points(kernel):
    code = 'String e = "😀"; e.isEm'
    c = kernel.request(lambda kc: kc.complete(code, len(code)), "complete_reply")["content"]
    assert "isEmpty()" in c["matches"]
    assert c["cursor_end"] == len(code)          # Python len counts code points, like Jupyter
    assert c["cursor_start"] == len(code) - len("isEm")


def test_complete_magic_names(kernel):
    c = kernel.request(lambda kc: kc.complete("%ls"), "complete_reply")["content"]
    assert c["matches"] == ["%lsmagic"]
    c = kernel.request(lambda kc: kc.complete("%%ti"), "complete_reply")["content"]
    assert c["matches"] == ["%%time"]


def test_inspect_at_end_of_a_method_name(kernel):
    for code in ["Math.max", "Math.ma", "Math.max(1, 2)"]:
        pos = len("Math.max") if code != "Math.ma" else len(code)
        c = kernel.request(lambda kc: kc.inspect(code, pos), "inspect_reply")["content"]
        if code == "Math.ma":
            continue
        assert c["status"] == "ok" and c["found"], code
        assert "max(int a, int b)" in c["data"]["text/plain"]


def test_inspect_a_variable(kernel):
    kernel.execute("double learningRate = 0.25;")
    c = kernel.request(lambda kc: kc.inspect("learningRate", 3), "inspect_reply")["content"]
    assert c["found"] and c["data"]["text/plain"] == "double learningRate = 0.25"


def test_is_complete(kernel):
    def status(code):
        return kernel.request(lambda kc: kc.is_complete(code), "is_complete_reply")["content"]
    assert status("int x = 1;")["status"] == "complete"
    assert status("1 + 1")["status"] == "complete"
    inc = status("for (int i = 0; i < 3; i++) {")
    assert inc["status"] == "incomplete" and inc["indent"] == "    "
    assert status("}")["status"] == "invalid"
    assert status('"unterminated')["status"] == "invalid"
    assert status("%lsmagic")["status"] == "complete"
    assert status("%%time\nwhile (")["status"] == "complete"


def test_pager_shows_documentation(kernel):
    r = kernel.execute("Math?")
    payload = r.reply["content"]["payload"]
    assert payload and payload[0]["source"] == "page"
    assert "java.lang.Math" in payload[0]["data"]["text/plain"]


# ---- history -------------------------------------------------------------------------------------

def test_history_tail_range_search(kernel):
    marker = f"int hist{uuid.uuid4().hex[:8]} = 1;"
    kernel.execute(marker)
    kernel.execute("40 + 2")
    tail = kernel.request(lambda kc: kc.history(hist_access_type="tail", n=2, output=True, raw=True), "history_reply")
    rows = tail["content"]["history"]
    assert [r[2][0] for r in rows] == [marker, "40 + 2"]
    assert rows[1][2][1] == "42"
    session, line = rows[0][0], rows[0][1]
    rng = kernel.request(lambda kc: kc.history(hist_access_type="range", session=session, start=line, stop=line + 1,
                                               output=False, raw=True), "history_reply")
    assert rng["content"]["history"] == [[session, line, marker]]
    kernel.execute(marker.replace("= 1", "= 2"))
    found = kernel.request(lambda kc: kc.history(hist_access_type="search", pattern=marker.split("=")[0] + "*",
                                                 n=10, unique=False, output=False, raw=True), "history_reply")
    assert len(found["content"]["history"]) == 2


def test_history_survives_a_restart(history_dir):
    code = f"int persisted{uuid.uuid4().hex[:6]} = 3;"
    k = KernelSession.start(env={"PRECIS_HISTORY_DIR": str(history_dir)})
    k.execute(code)
    first_session = k.request(lambda kc: kc.history(hist_access_type="tail", n=1, output=False, raw=True),
                              "history_reply")["content"]["history"][0][0]
    k.shutdown()
    k = KernelSession.start(env={"PRECIS_HISTORY_DIR": str(history_dir)})
    try:
        rows = k.request(lambda kc: kc.history(hist_access_type="search", pattern=code, n=0, output=False, raw=True),
                         "history_reply")["content"]["history"]
        assert [r[2] for r in rows] == [code]
        assert rows[0][0] == first_session
        now = k.request(lambda kc: kc.history(hist_access_type="tail", n=1, output=False, raw=True),
                        "history_reply")["content"]["history"][0][0]
        assert now > first_session
    finally:
        k.shutdown()


# ---- comms ---------------------------------------------------------------------------------------

def test_comm_info_and_unknown_comm_target(kernel):
    c = kernel.request(lambda kc: kc.comm_info(), "comm_info_reply")["content"]
    assert c["status"] == "ok" and isinstance(c["comms"], dict)
    comm_id = uuid.uuid4().hex
    msg = kernel.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
    kernel.kc.shell_channel.send(msg)
    deadline = time.time() + 10
    while time.time() < deadline:
        m = kernel.kc.get_iopub_msg(timeout=5)
        if m["msg_type"] == "comm_close" and m["content"]["comm_id"] == comm_id:
            break
    else:
        pytest.fail("no comm_close for an unknown target")


# ---- signatures ----------------------------------------------------------------------------------

def test_forged_and_unsigned_messages_are_dropped(kernel):
    ctx = zmq.Context.instance()
    ci = kernel.km.get_connection_info()
    sock = ctx.socket(zmq.DEALER)
    sock.connect(f"{ci['transport']}://{ci['ip']}:{ci['shell_port']}")
    try:
        forged = Session(key=b"not-the-key", username="mallory")
        forged.send(sock, "execute_request", {"code": "int forged = 1;", "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        unsigned = Session(key=b"", username="mallory")
        unsigned.send(sock, "kernel_info_request", {})
        assert sock.poll(1500) == 0, "the kernel answered a message with a bad signature"
        good = Session(key=kernel.km.session.key, username="alice")
        good.send(sock, "kernel_info_request", {})
        assert sock.poll(5000) != 0
        _, reply = good.feed_identities(sock.recv_multipart())
        assert good.deserialize(reply)["msg_type"] == "kernel_info_reply"
    finally:
        sock.close(0)
    assert kernel.execute("forged").status == "error"   # the forged cell never ran


# ---- magics --------------------------------------------------------------------------------------

def test_unknown_magic_lists_the_known_ones(kernel):
    e = kernel.execute("%nosuchmagic 1").error()
    assert e["ename"] == "UsageError"
    assert "%lsmagic" in e["evalue"] and "%maven" in e["evalue"] and "%%time" in e["evalue"]


def test_lsmagic_and_help(kernel):
    assert "%maven" in kernel.execute("%lsmagic").result()
    assert "--offline" in kernel.execute("%help maven").result()
    assert "display(obj)" in kernel.execute("%help").result()


def test_time_line_and_cell_magics(kernel):
    r = kernel.execute("%time 6 * 7")
    assert r.result() == "42" and "Wall time:" in r.stdout()
    r = kernel.execute("%%time\nint a = 2;\na * 21")
    assert r.result() == "42" and "Wall time:" in r.stdout()
    r = kernel.execute("%time undefinedName")
    assert r.error()["ename"] == "CompilationException"


def test_line_magics_between_java_lines(kernel):
    r = kernel.execute("int before = 1;\n%time int during = 2;\nbefore + during")
    assert r.result() == "3"
    # A line starting with % that continues a Java expression is Java (the remainder operator).
    r = kernel.execute("int rem = 17\n% 5;\nrem")
    assert r.result() == "2"


def build_jar(tmp_path, jdk, package, cls, body):
    src = tmp_path / "src" / package.replace(".", "/")
    src.mkdir(parents=True)
    (src / f"{cls}.java").write_text(f"package {package};\npublic class {cls} {{ {body} }}\n")
    classes = tmp_path / "classes"
    subprocess.run([str(jdk / "bin" / "javac"), "--release", "21", "-d", str(classes), str(src / f"{cls}.java")], check=True)
    jar = tmp_path / f"{cls.lower()}.jar"
    subprocess.run([str(jdk / "bin" / "jar"), "cf", str(jar), "-C", str(classes), "."], check=True)
    return jar


def test_classpath_add_makes_a_jar_usable(kernel, tmp_path, jdk_home):
    jar = build_jar(tmp_path, jdk_home, "demo.cp", "Greeter", 'public static String hi() { return "hi from a jar"; }')
    r = kernel.execute(f"%classpath add {jar}")
    assert r.status == "ok" and str(jar) in r.result()
    assert kernel.execute("demo.cp.Greeter.hi()").result() == '"hi from a jar"'
    assert str(jar) in kernel.execute("%classpath").result()
    assert kernel.execute(f"%classpath add {tmp_path}/missing.jar").error()["ename"] == "UsageError"


def test_maven_resolves_offline_from_settings_local_repository(kernel, tmp_path, jdk_home):
    jar = build_jar(tmp_path, jdk_home, "demo.mvn", "Answer", "public static int value() { return 4242; }")
    repo = tmp_path / "repo"
    d = repo / "demo" / "answer" / "1.0"
    d.mkdir(parents=True)
    (d / "answer-1.0.jar").write_bytes(jar.read_bytes())
    (d / "answer-1.0.pom").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>demo</groupId><artifactId>answer</artifactId><version>1.0</version></project>")
    settings = tmp_path / "settings.xml"
    settings.write_text(f"<settings><localRepository>{repo}</localRepository><offline>true</offline></settings>")
    r = kernel.execute(f"%maven --settings {settings} demo:answer:1.0")
    assert r.status == "ok", r.error()
    assert "(offline)" in r.result()
    assert kernel.execute("demo.mvn.Answer.value()").result() == "4242"
    e = kernel.execute(f"%maven --settings {settings} demo:missing:9.9").error()
    assert e["ename"] == "UsageError" and "demo:missing:9.9" in e["evalue"] and "offline" in e["evalue"]
    assert "not a Maven coordinate" in kernel.execute("%maven not-a-coordinate").error()["evalue"]


# ---- lifecycle -----------------------------------------------------------------------------------

def test_shutdown_request_ends_the_kernel(fresh_kernel):
    k = fresh_kernel
    pid = k.km.provisioner.process.pid
    msg_id = k.kc.shutdown(restart=False)      # sent on the control channel
    reply = k.kc.get_control_msg(timeout=30)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["msg_type"] == "shutdown_reply" and reply["content"]["status"] == "ok"
    k.km.provisioner.process.wait(timeout=15)
    assert k.km.provisioner.process.poll() is not None
    assert not is_alive(pid)


def test_kernel_exits_when_its_parent_dies(tmp_path):
    """A launcher process starts the kernel and is killed; the kernel and its execution JVM must follow."""
    launcher = tmp_path / "launcher.py"
    launcher.write_text(textwrap.dedent(f"""
        import json, os, subprocess, sys, time
        from jupyter_client.connect import write_connection_file
        from jupyter_client.kernelspec import KernelSpecManager
        cf, _ = write_connection_file(os.path.join({str(tmp_path)!r}, "conn.json"))
        spec = KernelSpecManager().get_kernel_spec("precis")
        argv = [a.replace("{{connection_file}}", cf) for a in spec.argv]
        env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))
        p = subprocess.Popen(argv, env=env)
        print(p.pid, flush=True)
        time.sleep(600)
    """))
    proc = subprocess.Popen([sys.executable, str(launcher)], stdout=subprocess.PIPE, text=True)
    kernel_pid = int(proc.stdout.readline())
    time.sleep(6)   # let it start its execution JVM
    children = subprocess.run(["pgrep", "-P", str(kernel_pid)], capture_output=True, text=True).stdout.split()
    proc.kill()
    proc.wait()
    deadline = time.time() + 20
    alive = True
    while time.time() < deadline and alive:
        alive = is_alive(kernel_pid)
        time.sleep(0.2)
    assert not alive, "the kernel outlived its parent"
    time.sleep(1)
    assert children, "the kernel had started no execution JVM"
    for c in children:
        assert not is_alive(int(c)), "the execution JVM outlived the kernel"


def test_renderers_in_added_jars_are_found_through_service_loader(kernel, tmp_path, jdk_home):
    """A jar added with %classpath brings a type and its Renderer (META-INF/services): results render richly."""
    lib = ROOT / "kernel" / "target" / "lib"
    # a renderer compiles against the kernel's Renderer and the bundle type of precis-display
    cp = os.pathsep.join([str(lib / "precis-kernel.jar"), *map(str, lib.glob("precis-display-*.jar"))])
    src = tmp_path / "src" / "demo" / "render"
    src.mkdir(parents=True)
    (src / "Temperature.java").write_text(
        "package demo.render;\npublic record Temperature(double celsius) {}\n")
    (src / "TemperatureRenderer.java").write_text(textwrap.dedent("""
        package demo.render;
        import io.precis.display.MimeBundle;
        import io.precis.kernel.display.Renderer;
        public final class TemperatureRenderer implements Renderer<Temperature> {
            public Class<Temperature> type() { return Temperature.class; }
            public MimeBundle render(Temperature t) {
                return MimeBundle.of("text/html", "<span class='temp'>" + t.celsius() + " &deg;C</span>");
            }
        }
    """))
    classes = tmp_path / "classes"
    subprocess.run([str(jdk_home / "bin" / "javac"), "--release", "21", "-cp", cp, "-d", str(classes),
                    str(src / "Temperature.java"), str(src / "TemperatureRenderer.java")], check=True)
    services = classes / "META-INF" / "services"
    services.mkdir(parents=True)
    (services / "io.precis.kernel.display.Renderer").write_text("demo.render.TemperatureRenderer\n")
    jar = tmp_path / "render-demo.jar"
    subprocess.run([str(jdk_home / "bin" / "jar"), "cf", str(jar), "-C", str(classes), "."], check=True)
    assert kernel.execute(f"%classpath add {jar}").status == "ok"
    r = kernel.execute("new demo.render.Temperature(21.5)")
    assert r.result("text/html") == "<span class='temp'>21.5 &deg;C</span>"
    assert r.result("text/plain") == "Temperature[celsius=21.5]"
