"""Hostile but correctly signed (or deliberately mis-signed) messages over the kernel's real ZeroMQ sockets.

Every case is followed by `1+1` through an ordinary client and a heartbeat: whatever was sent, the kernel
still runs code. A request whose header is readable (msg_id, msg_type) gets an error reply naming what was
wrong; a message that cannot be authenticated or has no readable header is dropped; a replay never runs.
A flood of 5,000 requests, read while sending, gets every reply.
"""
import json
import queue
import time
import uuid

import pytest
import zmq
from jupyter_client.session import Session

DELIM = b"<IDS|MSG>"


class Raw:
    """A DEALER socket of our own on a kernel channel, signing with the kernel's key."""

    def __init__(self, km, channel="shell"):
        info = km.get_connection_info(session=False)
        self.session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.linger = 0
        self.sock.identity = uuid.uuid4().hex.encode()
        port = info[f"{channel}_port"]
        self.sock.connect(f"{info['transport']}://{info['ip']}:{port}")
        time.sleep(0.05)

    def header(self, msg_type, **extra):
        h = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session.session,
             "username": "mallory", "date": "2026-01-01T00:00:00.000000Z", "version": "5.3"}
        h.update(extra)
        return json.dumps(h).encode()

    def frames(self, header, content=b"{}", parent=b"{}", metadata=b"{}", sign=True):
        parts = [header, parent, metadata, content]
        sig = self.session.sign(parts) if sign else b""
        return [DELIM, sig] + parts

    def send_raw(self, frames):
        self.sock.send_multipart(frames)

    def send(self, msg_type, content=b"{}", **kw):
        """Sends one request; returns its msg_id."""
        h = self.header(msg_type)
        self.send_raw(self.frames(h, content if isinstance(content, bytes) else json.dumps(content).encode(), **kw))
        return json.loads(h)["msg_id"]

    def recv(self, timeout=10.0):
        if not self.sock.poll(int(timeout * 1000)):
            return None
        frames = self.sock.recv_multipart()
        _, msg_list = self.session.feed_identities(frames)
        return self.session.deserialize(msg_list)

    def reply_to(self, msg_id, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.recv(max(0.05, deadline - time.time()))
            if m is not None and m["parent_header"].get("msg_id") == msg_id:
                return m
        return None

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(kernel):
    r = Raw(kernel.km)
    yield r
    r.close()


def heartbeat(km):
    info = km.get_connection_info(session=False)
    s = zmq.Context.instance().socket(zmq.REQ)
    s.linger = 0
    s.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
    try:
        s.send(b"ping")
        return s.poll(5000) and s.recv() == b"ping"
    finally:
        s.close()


@pytest.fixture(autouse=True)
def still_alive(kernel):
    """After every case: the kernel runs code and beats."""
    yield
    r = kernel.execute("1+1", timeout=60)
    assert r.status == "ok" and r.result() == "2", r.reply["content"]
    assert heartbeat(kernel.km), "no heartbeat"


def no_reply(raw, seconds=1.0):
    m = raw.recv(seconds)
    assert m is None, f"the kernel answered: {m['msg_type']} {m['content']}"


# ---- messages that must be dropped ------------------------------------------------------------------

def test_a_bad_signature_is_dropped(raw):
    frames = raw.frames(raw.header("execute_request"), json.dumps({"code": "int forged1 = 1;"}).encode())
    frames[1] = b"0" * 64
    raw.send_raw(frames)
    no_reply(raw)


def test_a_missing_signature_is_dropped(raw):
    raw.send_raw(raw.frames(raw.header("execute_request"), json.dumps({"code": "int forged2 = 1;"}).encode(), sign=False))
    no_reply(raw)


@pytest.mark.parametrize("frames", [
    [b"no delimiter at all"],
    [DELIM, b"sig", b"{}"],                     # too few parts
    [DELIM],
    [],
])
def test_malformed_frames_are_dropped(raw, frames):
    if frames:
        raw.send_raw(frames)
    else:
        raw.sock.send(b"")
    no_reply(raw)


@pytest.mark.parametrize("header", [b"{not json", b"[1, 2]", b"\xff\xfe", b'{"msg_type": "execute_request"}'])
def test_a_request_without_a_readable_header_with_id_and_type_is_dropped(raw, header):
    raw.send_raw(raw.frames(header, b"[]"))
    no_reply(raw)


def test_a_replayed_request_runs_once(kernel, raw):
    assert kernel.execute("int replays = 0;").status == "ok"
    frames = raw.frames(raw.header("execute_request"), json.dumps({"code": "replays++;", "silent": False}).encode())
    raw.send_raw(frames)
    first = raw.recv(30)
    assert first is not None and first["content"]["status"] == "ok"
    raw.send_raw(frames)
    no_reply(raw, 1.5)
    assert kernel.execute("replays").result() == "1"


def test_a_replay_on_another_channel_is_refused_too(kernel, raw):
    assert kernel.execute("int replays2 = 0;").status == "ok"
    frames = raw.frames(raw.header("execute_request"), json.dumps({"code": "replays2++;"}).encode())
    raw.send_raw(frames)
    assert raw.recv(30) is not None
    control = Raw(kernel.km, "control")
    try:
        control.send_raw(frames)
        no_reply(control, 1.5)
    finally:
        control.close()
    assert kernel.execute("replays2").result() == "1"


# ---- requests answered with an error naming the problem ------------------------------------------------

UNREADABLE = [
    ("execute_request", b"[1, 2]", "expected a JSON object, got an array"),
    ("execute_request", b'"just a string"', "expected a JSON object, got a string"),
    ("execute_request", b'{"code": "1+1"', "Unexpected end-of-input"),
    ("execute_request", b'{"code": "1+1"} trailing', "content: "),
    ("execute_request", b'{"code": "\xff\xfe"}', "Invalid UTF-8"),
    ("execute_request", b'{"code": "x", "deep": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nesting depth"),
    ("complete_request", b'{"code": "x", "cursor_pos": ' + b"9" * 5000 + b"}", "Number value length"),
    ("kernel_info_request", b"[]", "expected a JSON object"),
    ("history_request", b"nul", "content: "),
]


@pytest.mark.parametrize("msg_type,content,expected", UNREADABLE, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(UNREADABLE)])
def test_unreadable_content_gets_an_error_reply(raw, msg_type, content, expected):
    msg_id = raw.send(msg_type, content)
    r = raw.reply_to(msg_id)
    assert r is not None, "no reply"
    assert r["msg_type"] == msg_type.replace("_request", "_reply")
    c = r["content"]
    assert c["status"] == "error" and c["ename"] == "BadRequest"
    assert expected in c["evalue"], c["evalue"]


WRONG_TYPES = [
    ("execute_request", {"code": 42}, "content.code must be a string, not a number"),
    ("execute_request", {"code": ["1+1"]}, "content.code must be a string, not an array"),
    ("execute_request", {"code": "1+1", "silent": "yes"}, "content.silent must be true or false, not a string"),
    ("execute_request", {"code": "1+1", "user_expressions": [1]}, "content.user_expressions must be an object"),
    ("execute_request", {"code": "1+1", "user_expressions": {"a": 5}}, "content.user_expressions.a must be a string"),
    ("execute_request", {"code": "1+1", "store_history": 1}, "content.store_history must be true or false"),
    ("complete_request", {"code": "Str", "cursor_pos": 1e300}, "content.cursor_pos must be an integer"),
    ("complete_request", {"code": "Str", "cursor_pos": 99999999999999999999}, "content.cursor_pos must be an integer from"),
    ("complete_request", {"code": "Str", "cursor_pos": "3"}, "content.cursor_pos must be an integer, not a string"),
    ("inspect_request", {"code": "Math", "cursor_pos": 2, "detail_level": True}, "content.detail_level must be an integer"),
    ("is_complete_request", {"code": {"a": 1}}, "content.code must be a string, not an object"),
    ("history_request", {"hist_access_type": "tail", "n": "ten"}, "content.n must be an integer, not a string"),
    ("comm_info_request", {"target_name": 7}, "content.target_name must be a string"),
    ("shutdown_request", {"restart": "no"}, "content.restart must be true or false"),
]


@pytest.mark.parametrize("msg_type,content,expected", WRONG_TYPES, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(WRONG_TYPES)])
def test_a_field_of_the_wrong_type_gets_an_error_reply(kernel, raw, msg_type, content, expected):
    msg_id = raw.send(msg_type, content)
    r = raw.reply_to(msg_id)
    assert r is not None, "no reply"
    c = r["content"]
    assert r["msg_type"] == msg_type.replace("_request", "_reply")
    assert c["status"] == "error" and expected in c["evalue"], c
    if msg_type == "execute_request":
        assert isinstance(c["execution_count"], int)


def test_a_huge_code_string_gets_an_error_not_a_dead_kernel(raw):
    msg_id = raw.send("execute_request", json.dumps({"code": "x" * 21_000_000}).encode())
    r = raw.reply_to(msg_id, timeout=60)
    assert r is not None and r["content"]["status"] == "error"
    assert "String value length" in r["content"]["evalue"], r["content"]["evalue"]


def test_unreadable_parent_header_and_metadata_get_error_replies(raw):
    for part in ("parent", "metadata"):
        h = raw.header("kernel_info_request")
        raw.send_raw(raw.frames(h, b"{}", **{part: b"[oops"}))
        r = raw.reply_to(json.loads(h)["msg_id"])
        assert r is not None and r["content"]["status"] == "error"
        assert ("parent_header" if part == "parent" else "metadata") in r["content"]["evalue"]


def test_a_bad_control_request_is_answered_on_control(kernel):
    control = Raw(kernel.km, "control")
    try:
        msg_id = control.send("interrupt_request", b"[]")
        r = control.reply_to(msg_id)
        assert r is not None and r["msg_type"] == "interrupt_reply" and r["content"]["status"] == "error"
    finally:
        control.close()


def test_a_busy_and_idle_status_frames_each_error_reply(kernel, raw):
    msg_id = raw.send("execute_request", b"[]")
    assert raw.reply_to(msg_id) is not None
    states = []
    deadline = time.time() + 10
    while time.time() < deadline and "idle" not in states:
        m = kernel._next_iopub(msg_id, 0.1)
        if m is not None and m["msg_type"] == "status":
            states.append(m["content"]["execution_state"])
    assert states == ["busy", "idle"]


# ---- messages that are ignored, harmlessly ------------------------------------------------------------

def test_unknown_requests_replies_and_comms_with_odd_content(raw):
    msg_id = raw.send("frobnicate_request", {})
    r = raw.reply_to(msg_id)
    assert r is not None and r["content"]["ename"] == "UnsupportedRequest"
    raw.send("input_reply", {"value": 5})          # nobody asked
    raw.send("comm_msg", {"comm_id": 3, "data": []})
    raw.send("comm_open", b"[]")
    raw.send("execute_reply", {"status": "ok"})
    no_reply(raw)


def test_extra_buffers_and_routing_frames_are_harmless(raw):
    h = raw.header("execute_request")
    frames = raw.frames(h, json.dumps({"code": "40 + 2"}).encode()) + [b"\x00" * 1000, b"buffer"]
    raw.send_raw([b"extra-routing-frame"] + frames)
    r = raw.reply_to(json.loads(h)["msg_id"])
    assert r is not None and r["content"]["status"] == "ok"


def test_the_same_msg_id_with_a_new_signature_runs(kernel, raw):
    """Only an identical message is a replay: a client may reuse an id (its own bug), the kernel answers both."""
    assert kernel.execute("int twice = 0;").status == "ok"
    h = raw.header("execute_request")
    for code in ("twice++;", "twice++; "):
        raw.send_raw(raw.frames(h, json.dumps({"code": code}).encode()))
        assert raw.recv(30) is not None
    assert kernel.execute("twice").result() == "2"


# ---- flood --------------------------------------------------------------------------------------------

def test_a_flood_of_requests_read_while_sending_loses_no_reply(kernel, raw):
    n = 5000
    sent, got = [], set()
    kinds = ["kernel_info_request", "is_complete_request", "kernel_info_request", "complete_request"]
    t0 = time.time()
    for i in range(n):
        kind = kinds[i % len(kinds)]
        content = {"code": "int x = 1"} if kind == "is_complete_request" else \
            {"code": "Str", "cursor_pos": 3} if kind == "complete_request" else {}
        sent.append(raw.send(kind, content))
        if i % 250 == 249:
            while (m := raw.recv(0)) is not None:
                got.add(m["parent_header"]["msg_id"])
    deadline = time.time() + 300
    while len(got) < n and time.time() < deadline:
        m = raw.recv(1.0)
        if m is not None:
            got.add(m["parent_header"]["msg_id"])
    missing = set(sent) - got
    print(f"flood: {n} requests, {len(got)} replies in {time.time() - t0:.1f} s")
    # The module's client got two status messages per request on IOPub: read them now, so the check after
    # this case waits for its own messages only.
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            kernel.kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            break
    assert not missing, f"{len(missing)} of {n} replies lost"
