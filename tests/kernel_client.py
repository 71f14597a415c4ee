"""A thin helper over jupyter_client for tests and benchmarks: run code, collect IOPub by parent."""
import os
import queue
import time
from dataclasses import dataclass, field

from jupyter_client.manager import KernelManager


@dataclass
class Result:
    reply: dict
    outputs: list = field(default_factory=list)   # IOPub messages between busy and idle (status excluded)
    iopub: list = field(default_factory=list)     # every IOPub message of the request, in order
    stdin: list = field(default_factory=list)     # input_request messages

    @property
    def status(self):
        return self.reply["content"]["status"]

    def of_type(self, t):
        return [m for m in self.outputs if m["msg_type"] == t]

    def stdout(self):
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout")

    def stderr(self):
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr")

    def result(self, mime="text/plain"):
        rs = self.of_type("execute_result")
        return rs[0]["content"]["data"].get(mime) if rs else None

    def error(self):
        es = self.of_type("error")
        return es[0]["content"] if es else None


class KernelSession:
    def __init__(self, km, kc):
        self.km = km
        self.kc = kc
        # Messages read while waiting for another request are kept for whoever asks for them.
        self.shell_backlog = {}
        self.iopub_backlog = {}

    @classmethod
    def start(cls, name="precis", env=None, timeout=120):
        km = KernelManager(kernel_name=name)
        full_env = dict(os.environ)
        full_env.update(env or {})
        km.start_kernel(env=full_env)
        kc = km.blocking_client()
        kc.allow_stdin = True
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        s = cls(km, kc)
        # The first cell waits for JShell to start: get that out of the way once.
        s.execute("1", timeout=timeout)
        return s

    def execute(self, code, timeout=60, allow_stdin=False, stdin_answers=None, stop_on_error=True,
                silent=False, store_history=True, user_expressions=None, on_output=None, cell_id=None):
        if cell_id is None:
            msg_id = self.kc.execute(code, silent=silent, store_history=store_history, allow_stdin=allow_stdin,
                                     stop_on_error=stop_on_error, user_expressions=user_expressions or {})
        else:
            # As JupyterLab sends it: the notebook cell's id in the request's metadata.
            content = dict(code=code, silent=silent, store_history=store_history, user_expressions=user_expressions or {},
                           allow_stdin=allow_stdin, stop_on_error=stop_on_error)
            msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
            self.kc.shell_channel.send(msg)
            msg_id = msg["header"]["msg_id"]
        return self.collect(msg_id, timeout, stdin_answers, on_output)

    def _next_shell(self, msg_id, timeout):
        if self.shell_backlog.get(msg_id):
            return self.shell_backlog[msg_id].pop(0)
        try:
            m = self.kc.get_shell_msg(timeout=timeout)
        except queue.Empty:
            return None
        pid = m["parent_header"].get("msg_id")
        if pid == msg_id:
            return m
        self.shell_backlog.setdefault(pid, []).append(m)
        return None

    def _next_iopub(self, msg_id, timeout):
        if self.iopub_backlog.get(msg_id):
            return self.iopub_backlog[msg_id].pop(0)
        try:
            m = self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        pid = m["parent_header"].get("msg_id")
        if pid == msg_id:
            return m
        self.iopub_backlog.setdefault(pid, []).append(m)
        return None

    def collect(self, msg_id, timeout=60, stdin_answers=None, on_output=None):
        deadline = time.time() + timeout
        res = Result(reply=None)
        answers = list(stdin_answers or [])
        idle = False
        while not idle or res.reply is None:
            if time.time() > deadline:
                raise TimeoutError(f"no reply/idle for {msg_id} within {timeout}s; got {[m['msg_type'] for m in res.iopub]}")
            if res.reply is None:
                m = self._next_shell(msg_id, 0.005)
                if m is not None:
                    res.reply = m
            try:
                m = self.kc.get_stdin_msg(timeout=0.001)
                if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "input_request":
                    res.stdin.append(m)
                    self.kc.input(answers.pop(0) if answers else "")
            except queue.Empty:
                pass
            if not idle:
                m = self._next_iopub(msg_id, 0.005)
                if m is None:
                    continue
                res.iopub.append(m)
                if m["msg_type"] == "status":
                    if m["content"]["execution_state"] == "idle":
                        idle = True
                elif m["msg_type"] != "execute_input":
                    res.outputs.append(m)
                    if on_output:
                        on_output(m)
        return res

    def request(self, send, reply_type, timeout=30):
        """Sends a shell request with `send(kc)` (returns msg_id) and returns its reply."""
        msg_id = send(self.kc)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self._next_shell(msg_id, 0.1)
            if m is not None:
                assert m["msg_type"] == reply_type, m["msg_type"]
                return m
        raise TimeoutError(f"no {reply_type}")

    def interrupt(self):
        self.km.interrupt_kernel()

    def shutdown(self):
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=False)
