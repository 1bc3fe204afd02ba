#!/usr/bin/env python3
"""Writes the traces of conformance/testdata/check/ (run: python3 gen.py .).

Each trace is a script of polls and handler calls run through a small model
of one Mongoose connection (buffers, flags, timer), so that every line is
consistent with the others except for the one fault the trace is about;
that fault is written in by hand with mod/drop/after/before/swap and
`over` (a field's value as written, whatever the model says). The files
are checked in; this script only saves typing when adding or changing one.
"""
import copy, math, os, sys


CONNECTING, LISTENING, UDP, RESOLVING = 8, 1, 2, 4
SAC, CI, USER1 = 1024, 2048, 1 << 20

ORDER = ["seq","t","conn","role","listener","udp","ev","data","recv_len","send_len","recv_after","send_after",
         "flags","flags_after","queued","removed","timer","timer_after","recv_limit","poll","origin","peer",
         "mgr","tx_bytes","tx_sum","rx_bytes","rx_sum"]

def fnv(data, h=14695981039346656037):
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h

class Conn:
    def __init__(s, id, role, udp=False, listener=None, origin=None, flags=0, recv_limit=None, timer=0.0, send=0, peer=None):
        s.id, s.role, s.udp, s.listener, s.origin = id, role, udp, listener, origin
        s.flags, s.recv_limit, s.timer = flags, recv_limit, timer
        s.recv, s.send, s.peer = 0, send, peer
        s.txb, s.rxb = b"", b""

def fmt(v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return "%.6f" % v
    if isinstance(v, str): return '"%s"' % v
    return str(v)

class Trace:
    def __init__(s, t0=1000.0, after=True, timers=True, flags=True, drop_fields=()):
        s.lines, s.seq, s.t, s.poll = [], 0, t0, 0
        s.conns = {}
        s.after, s.timers, s.flags = after, timers, flags
        s.drop_fields = set(drop_fields)
    def conn(s, id, role, **kw):
        c = Conn(id, role, **kw)
        s.conns[id] = c
        return c
    def next_poll(s, dt=0.01):
        s.poll += 1
        s.t += dt
    def comment(s, text):
        s.lines.append("# " + text)
    def raw(s, text):
        s.lines.append(text)
    def ev(s, cid, ev, data=None, removed=0, queued=0, set=0, clear=0, timer_after=None,
           nopoll=False, over=None, drop=(), sent=None, dt=0.00001):
        c = s.conns[cid]
        s.seq += 1
        s.t += dt
        if ev == "RECV":
            c.recv += data
        elif ev == "SEND" and data is not None and data > 0:
            c.send -= data
        elif ev == "CONNECT":
            c.flags &= ~CONNECTING
            if data != 0:
                c.flags |= CI
        elif ev == "CLOSE":
            c.flags |= CI
        elif ev == "TIMER":
            if data is None:
                data = c.timer
            c.timer = 0.0
        elif ev == "POLL" and data is None:
            data = int(math.floor(s.t))
        elif ev == "ACCEPT" and data is None:
            data = "10.0.0.%d:4000%d" % (c.id, c.id)
        d = {"seq": s.seq, "t": s.t, "conn": c.id, "role": c.role}
        if c.listener is not None: d["listener"] = c.listener
        d["udp"] = c.udp
        d["ev"] = ev
        if ev != "CLOSE": d["data"] = data
        d["recv_len"], d["send_len"] = c.recv, c.send
        flags_in, timer_in = c.flags, c.timer
        c.recv -= removed
        c.send += queued
        c.flags = (c.flags | set) & ~clear
        if timer_after is not None: c.timer = timer_after
        if s.after:
            d["recv_after"], d["send_after"] = c.recv, c.send
        if s.flags:
            d["flags"], d["flags_after"] = flags_in, c.flags
        d["queued"], d["removed"] = queued, removed
        if s.timers:
            d["timer"], d["timer_after"] = float(timer_in), float(c.timer)
        if c.recv_limit is not None: d["recv_limit"] = c.recv_limit
        if not nopoll: d["poll"] = s.poll
        if c.origin: d["origin"] = c.origin
        if c.peer is not None: d["peer"] = c.peer
        if sent is not None:
            if ev == "SEND":
                c.txb += sent
                d["tx_bytes"], d["tx_sum"] = len(c.txb), "%016x" % fnv(c.txb)
            else:
                c.rxb += sent
                d["rx_bytes"], d["rx_sum"] = len(c.rxb), "%016x" % fnv(c.rxb)
        if over:
            d.update(over)
        for k in list(drop) + list(s.drop_fields):
            d.pop(k, None)
        s.lines.append("{" + ",".join('"%s":%s' % (k, fmt(d[k])) for k in ORDER if k in d) + "}")

    def write(s, path, expect, what, profile=None):
        head = ["# expect: " + expect]
        if profile: head.append("# profile: " + profile)
        for w in what.strip().split("\n"):
            head.append("# " + w.strip())
        with open(path, "w") as f:
            f.write("\n".join(head + s.lines) + "\n")


OUT = sys.argv[1]

# A script is a list of steps: ("poll", label) or ("ev", label, conn, name, data, kwargs).
def P(label): return ["poll", label]
def E(label, conn, name, data=None, **kw): return ["ev", label, conn, name, data, kw]

def run(steps, conns, **topts):
    T = Trace(**topts)
    for c in conns: T.conn(**c)
    for st in steps:
        if st[0] == "poll": T.next_poll(**st[2]) if len(st) > 2 else T.next_poll()
        elif st[0] == "raw": T.raw(st[2])
        elif st[0] == "comment": T.comment(st[2])
        elif st[0] == "set":
            for k, v in st[3].items(): setattr(T.conns[st[2]], k, v)
        else:
            _, _, cid, name, data, kw = st
            T.ev(cid, name, data, **kw)
    return T

def idx(steps, label):
    for i, s in enumerate(steps):
        if s[1] == label: return i
    raise KeyError(label)

def mod(steps, label, **kw):
    s = copy.deepcopy(steps); i = idx(s, label)
    for k, v in kw.items():
        if k in ("data",): s[i][4] = v
        elif k == "name": s[i][3] = v
        else: s[i][5][k] = v
    return s

def drop(steps, *labels):
    s = copy.deepcopy(steps)
    for l in labels: del s[idx(s, l)]
    return s

def after(steps, label, *new):
    s = copy.deepcopy(steps); i = idx(s, label)
    return s[:i+1] + [copy.deepcopy(n) for n in new] + s[i+1:]

def before(steps, label, *new):
    s = copy.deepcopy(steps); i = idx(s, label)
    return s[:i] + [copy.deepcopy(n) for n in new] + s[i:]

def swap(steps, a, b):
    s = copy.deepcopy(steps); i, j = idx(s, a), idx(s, b)
    s[i], s[j] = s[j], s[i]
    return s

# --- the echo of the real hello_echo trace: client 1, listener 2, inbound 3 ---
ECHO_CONNS = [dict(id=2, role="listener", origin="bind", flags=LISTENING),
              dict(id=1, role="outbound", origin="connect", flags=CONNECTING),
              dict(id=3, role="inbound", listener=2, origin="accept")]
ECHO = [
    P("p1"), E("c.poll1", 1, "POLL"), E("c.connect", 1, "CONNECT", 0, queued=5), E("c.send", 1, "SEND", 5),
    E("l.poll1", 2, "POLL"), E("s.accept", 3, "ACCEPT"),
    P("p2"), E("s.poll2", 3, "POLL"), E("s.recv", 3, "RECV", 5, removed=5, queued=5, set=SAC),
    E("c.poll2", 1, "POLL"), E("l.poll2", 2, "POLL"),
    P("p3"), E("s.poll3", 3, "POLL"), E("s.send", 3, "SEND", 5), E("c.poll3", 1, "POLL"), E("l.poll3", 2, "POLL"),
    P("p4"), E("s.close", 3, "CLOSE"), E("c.poll4", 1, "POLL"), E("c.recv", 1, "RECV", 5, removed=5, set=SAC),
    E("l.poll4", 2, "POLL"),
    P("p5"), E("c.close", 1, "CLOSE"), E("l.poll5", 2, "POLL"),
    P("p6"), E("l.poll6", 2, "POLL"), E("l.close", 2, "CLOSE", nopoll=True),
]

def echo_conns(over=None):
    cs = copy.deepcopy(ECHO_CONNS)
    for c in cs:
        c.update((over or {}).get(c["id"], {}))
    return cs

files = []
def F(name, expect, what, steps, conns=None, profile=None, **topts):
    files.append((name, expect, what, steps, conns if conns is not None else echo_conns(), profile, topts))

# ---------------- valid traces ----------------
F("ok_echo", "ok", """A connection's whole life, as in real 6.18: POLL before CONNECT, ACCEPT in the listener's
turn, the echo written one poll after it is queued, SEND_AND_CLOSE closing at the next turn,
the listener closed by mg_mgr_free after one last poll.""", ECHO)

F("ok_echo_digests", "ok", """The echo with the kit's stream extensions: peer ids, tx/rx counts and digests (BUF-7).""",
  mod(mod(mod(mod(ECHO, "c.send", sent=b"hello"), "s.recv", sent=b"hello"), "s.send", sent=b"hello"), "c.recv", sent=b"hello"),
  echo_conns({1: dict(peer=3), 3: dict(peer=1)}))

# --- TR ---
F("tr1_bad_json", "TR-1", "A line that is not JSON among valid events.",
  after(ECHO, "c.poll2", ["raw", "x", '{"seq":100,"t":1000.0,"conn":1,']))
F("tr1_wrong_type", "TR-1", "seq written as a string (the event is otherwise valid and extra).",
  after(ECHO, "l.poll6", ["raw", "x", '{"seq":"99","t":1000.070000,"conn":9,"role":"outbound","ev":"POLL","data":1000,"recv_len":0,"send_len":0}']))
F("tr1_missing_field", "TR-1", "An event without recv_len.",
  after(ECHO, "l.poll6", ["raw", "x", '{"seq":99,"t":1000.070000,"conn":9,"role":"outbound","ev":"POLL","data":1000,"send_len":0}']))
F("tr2_seq_repeats", "TR-2", "Two events with the same seq.", mod(ECHO, "c.poll2", over={"seq": 7}))
F("tr3_time_back", "TR-3", "t goes back by 5 µs inside a poll.", mod(ECHO, "c.poll2", over={"t": 1000.020030}))
F("tr3_poll_back", "TR-3", "An event of poll 3 says poll 2.", mod(ECHO, "l.poll3", over={"poll": 2}))
F("tr4_poll_data_differs", "TR-4", "Two POLLs of one poll carry different times: now is read once per poll.",
  mod(ECHO, "l.poll2", data=999), profile="mongoose-6.18")

# --- EV ---
F("ev1_after_close", "EV-1", "The inbound connection gets a POLL after its CLOSE.",
  after(ECHO, "c.poll4", E("s.again", 3, "POLL", over={"recv_after": 0})))
F("ev2_second_accept", "EV-2", "The inbound connection gets a second ACCEPT.",
  after(ECHO, "s.poll2", E("s.accept2", 3, "ACCEPT")))
F("ev3_second_connect", "EV-3", "The client gets a second CONNECT.",
  after(ECHO, "c.poll2", E("c.connect2", 1, "CONNECT", 0)))
F("ev3a_poll_first", "EV-3a", "Real 6.18 order: POLL before CONNECT, which the textbook profile forbids.",
  ECHO, profile="textbook")
F("ev4_listener_recv", "EV-4", "The listener gets a RECV.",
  after(ECHO, "l.poll2", E("l.recv", 2, "RECV", 3, removed=3)))
FAILED_CONN = [dict(id=1, role="outbound", origin="connect", flags=CONNECTING, send=5)]
FAILED = [P("p1"), E("c.poll1", 1, "POLL"), E("c.connect", 1, "CONNECT", 111),
          P("p2"), E("c.close", 1, "CLOSE")]
F("ev5_recv_after_failed_connect", "EV-5", """A failed CONNECT whose handler cleared CLOSE_IMMEDIATELY (allowed, F4),
then a RECV: nothing is received after a failed CONNECT.""",
  after(mod(FAILED, "c.connect", clear=CI), "c.connect", P("p2"), E("c.poll2", 1, "POLL"), E("c.recv", 1, "RECV", 3, removed=3)),
  FAILED_CONN)
F("ev6_send_after_failed_connect", "EV-6", """A failed CONNECT whose handler cleared CLOSE_IMMEDIATELY, then a SEND of the
data queued before: no positive SEND after a failed CONNECT.""",
  after(mod(FAILED, "c.connect", clear=CI), "c.connect", P("p2"), E("c.poll2", 1, "POLL"), E("c.send", 1, "SEND", 5)),
  FAILED_CONN)
F("ev6_no_close", "EV-6", """A failed CONNECT leaves CLOSE_IMMEDIATELY set, but the next event other than POLL
is a (failed) SEND, not CLOSE.""",
  before(FAILED, "c.close", E("c.poll2", 1, "POLL"), E("c.send", 1, "SEND", -1), P("p3")), FAILED_CONN)
F("ev7_missed_poll", "EV-7", "The client gets no POLL in poll 3.", drop(ECHO, "c.poll3"))
F("ev7_skipped_polls", "EV-7", "Poll indices jump from 5 to 8 while the listener is open.",
  mod(mod(ECHO, "l.poll6", over={"poll": 8}), "l.close", over={}))
F("ev8_recv_before_poll", "EV-8", "The inbound connection's RECV comes before its POLL in poll 2.",
  swap(ECHO, "s.poll2", "s.recv"), profile="mongoose-6.18")
F("ev9_order", "EV-9", "Poll 3 serves the listener before the client, against the list order of poll 2.",
  swap(ECHO, "c.poll3", "l.poll3"), profile="mongoose-6.18")
F("ev9_accepted_gets_poll", "EV-9", "The connection accepted in poll 1 also gets POLL in poll 1.",
  after(ECHO, "s.accept", E("s.poll1", 3, "POLL")), profile="mongoose-6.18")
F("ev9a_accept_before_listener_poll", "EV-9a", "ACCEPT comes before the listener's POLL: the accept stage follows POLL.",
  swap(ECHO, "l.poll1", "s.accept"), profile="mongoose-6.18")
TWO = after(after(after(after(after(ECHO, "s.accept", E("s2.accept", 4, "ACCEPT")),
      "p2", E("s2.poll2", 4, "POLL")), "p3", E("s2.poll3", 4, "POLL")), "p4", E("s2.poll4", 4, "POLL")),
      "p5", E("s2.poll5", 4, "POLL"))
TWO = after(after(TWO, "p6", E("s2.poll6", 4, "POLL")), "l.poll6", E("s2.close", 4, "CLOSE", nopoll=True))
F("ev10_two_accepts", "EV-10", "The listener accepts two connections in poll 1.", TWO,
  echo_conns() + [dict(id=4, role="inbound", listener=2, origin="accept")], profile="mongoose-6.18")

# --- BUF ---
F("buf1_recv_count", "BUF-1", "RECV says 4 bytes but recv_mbuf grew by 5.",
  mod(ECHO, "s.recv", over={"data": 4}))
F("buf1_recv_zero", "BUF-1", "A RECV of 0 bytes (EOF gives no event).",
  after(ECHO, "c.recv", E("c.recv0", 1, "RECV", 0)))
F("buf2_recv_changed", "BUF-2", "recv_mbuf grows between two calls without a RECV.",
  mod(ECHO, "l.poll3", over={"recv_len": 2, "recv_after": 0, "removed": 2}))
F("buf2a_removed", "BUF-2a", "The handler removed 5 bytes but removed says 4.",
  mod(ECHO, "s.recv", over={"removed": 4}))
F("buf3_send_count", "BUF-3", "SEND says 4 bytes but send_mbuf lost 5.",
  mod(ECHO, "s.send", data=5, over={"data": 4}))
F("buf4_send_changed", "BUF-4", "The listener's send_mbuf grows between two calls without a handler queueing.",
  mod(ECHO, "l.poll3", over={"send_len": 3, "send_after": 3}))
F("buf4_queued", "BUF-4", "send_after is not send_len + queued.",
  mod(ECHO, "l.poll3", over={"send_after": 3}))
F("buf5_over_limit", "BUF-5", "recv_len 5 over recv_limit 4.", ECHO, echo_conns({3: dict(recv_limit=4)}))
F("buf6_lost_bytes", "BUF-6", """Without recv_after/send_after the per-call rules cannot see it: the server's handler
removed 3 of 5 bytes, yet recv_len is 0 at CLOSE.""",
  mod(ECHO, "s.recv", over={"removed": 3}), after=False)
F("buf7_digest", "BUF-7", "The server receives other bytes than the client sent.",
  mod(mod(ECHO, "c.send", sent=b"hello"), "s.recv", sent=b"jello"), echo_conns({1: dict(peer=3), 3: dict(peer=1)}))
F("buf7_more_than_sent", "BUF-7", "The server receives 5 bytes when its peer sent 4.",
  mod(mod(mod(ECHO, "c.send", sent=b"hell"), "s.recv", sent=b"hello"), "c.send", over={}), echo_conns({1: dict(peer=3), 3: dict(peer=1)}))
F("buf8_big_read", "BUF-8", "A TCP RECV of 1500 bytes: reads move at most 1460.",
  mod(ECHO, "s.recv", data=1500, removed=1500), profile="mongoose-6.18")
F("buf8_two_writes", "BUF-8", "Two SENDs for one connection in one poll.",
  after(mod(ECHO, "s.send", data=2), "s.send", E("s.send2", 3, "SEND", 3)), profile="mongoose-6.18")
LIMIT = [dict(id=2, role="listener", origin="bind", flags=LISTENING, recv_limit=5),
         dict(id=1, role="outbound", origin="connect", flags=CONNECTING),
         dict(id=3, role="inbound", listener=2, origin="accept", recv_limit=5)]
FULL = mod(ECHO, "s.recv", removed=0, queued=0, set=0)
FULL = mod(after(FULL, "s.poll3", E("s.recv3", 3, "RECV", 3, removed=3, queued=5, set=SAC)), "s.poll3", removed=5)
FULL = drop(FULL, "s.send")
FULL = after(FULL, "p4", E("s.poll4", 3, "POLL"), E("s.send", 3, "SEND", 5))
FULL = drop(FULL, "s.close")
FULL = after(FULL, "p5", E("s.close", 3, "CLOSE"))
F("buf9_read_when_full", "BUF-9", """recv_limit 5: the server leaves 5 bytes, so the select sets of poll 3 leave it out;
its POLL drains the buffer, but a RECV in that same poll means it was read anyway.""",
  FULL, LIMIT, profile="mongoose-6.18")

# --- CL ---
F("cl1_recv_after_close_immediately", "CL-1", "The server's RECV handler sets CLOSE_IMMEDIATELY; a RECV follows.",
  after(mod(drop(ECHO, "s.send"), "s.recv", set=CI, queued=0), "s.poll3", E("s.recv3", 3, "RECV", 1, removed=1)))
F("cl2_unsent_data", "CL-2", "The server sets SEND_AND_CLOSE with a reply queued but closes before sending it.",
  drop(ECHO, "s.send", "c.recv"))
F("cl3_core_flag", "CL-3", "A handler sets RESOLVING; the core does not undo it at the next entry.",
  mod(ECHO, "l.poll2", set=RESOLVING))
F("cl3a_lost_user_flag", "CL-3a", "The client's POLL handler sets USER_1; its CONNECT, the very next call, enters without it.",
  mod(mod(ECHO, "c.poll1", set=USER1), "c.connect", clear=0, over={"flags": 0}))
SOCKLESS = [dict(id=1, role="outbound", origin="add_sock")]
F("cl4_not_closed", "CL-4", "A handler sets CLOSE_IMMEDIATELY in poll 1; poll 2 gives POLL instead of CLOSE.",
  [P("p1"), E("a.poll1", 1, "POLL", set=CI), P("p2"), E("a.poll2", 1, "POLL"), P("p3"), E("a.close", 1, "CLOSE")],
  SOCKLESS, profile="mongoose-6.18")
F("cl4_close_flags", "CL-4", "A CLOSE whose flags lack CLOSE_IMMEDIATELY, which the core sets first.",
  mod(ECHO, "s.close", over={"flags": SAC, "flags_after": SAC}), profile="mongoose-6.18")
F("cl5_failed_connect_not_closed", "CL-5", "A failed CONNECT (CLOSE_IMMEDIATELY set by the core) is followed by a POLL, not CLOSE.",
  before(FAILED, "c.close", E("c.poll2", 1, "POLL"), P("p3")), FAILED_CONN, profile="mongoose-6.18")
FREE = after(after(mod(drop(ECHO, "c.close"), "c.recv", set=0), "p5", E("c.poll5", 1, "POLL")), "p6", E("c.poll6", 1, "POLL"))
F("cl6_free_order", "CL-6", "mg_mgr_free closes the listener before the newer client.",
  after(FREE, "l.close", E("c.close", 1, "CLOSE", nopoll=True)), profile="mongoose-6.18")
F("cl6_left_open", "CL-6", "mg_mgr_free closes the listener but not the client.", FREE, profile="mongoose-6.18")

# --- TM ---
TIMER_CONN = [dict(id=1, role="outbound", origin="add_sock", timer=1000.015)]
TICK = [P("p1"), E("a.poll1", 1, "POLL"), P("p2"), E("a.timer2", 1, "TIMER", timer_after=1000.035), E("a.poll2", 1, "POLL"),
        P("p3"), E("a.poll3", 1, "POLL"), P("p4"), E("a.timer4", 1, "TIMER", timer_after=0.0), E("a.poll4", 1, "POLL", set=CI),
        P("p5"), E("a.close", 1, "CLOSE")]
F("ok_timers", "ok", """A socket-less connection's timer fires once per arming, before POLL, not early; its
handler re-arms it once, then disarms it and closes the connection.""", TICK, TIMER_CONN)
F("tm1_early", "TM-1", "The TIMER fires for 1000.025 in a poll whose calls are at 1000.02.",
  mod(mod(TICK, "a.timer2", data=1000.025), "a.poll1", timer_after=1000.025), TIMER_CONN)
F("tm2_not_disarmed", "TM-2", "At TIMER's entry the timer is still armed.", mod(TICK, "a.timer2", over={"timer": 1000.015}), TIMER_CONN)
F("tm2a_timer_changed", "TM-2a", "The timer changes between two calls without firing.",
  mod(TICK, "a.poll3", over={"timer": 1000.5, "timer_after": 1000.035}), TIMER_CONN)
F("tm3_lost", "TM-3", "The timer armed for 1000.035 is due in poll 4 (the previous poll ended at 1000.04) but does not fire.",
  after(drop(mod(TICK, "a.poll4", set=CI), "a.timer4"), "a.poll3", P("p3b"), E("a.poll3b", 1, "POLL")), TIMER_CONN)
F("tm4_disarmed_fires", "TM-4", "A TIMER fires though the previous handler disarmed the timer.",
  mod(mod(TICK, "a.poll3", timer_after=0.0), "a.timer4", data=1000.035), TIMER_CONN)
F("tm5_timer_after_poll", "TM-5", "TIMER comes after POLL in the connection's turn.", swap(TICK, "a.timer2", "a.poll2"),
  TIMER_CONN, profile="mongoose-6.18")

# --- UDP ---
UDP_CONNS = [dict(id=1, role="listener", udp=True, origin="bind", flags=LISTENING | UDP),
             dict(id=2, role="inbound", udp=True, listener=1, origin="udp_child", flags=UDP | SAC),
             dict(id=3, role="inbound", udp=True, listener=1, origin="udp_child", flags=UDP | SAC),
             dict(id=4, role="outbound", udp=True, origin="connect", flags=UDP | CONNECTING)]
UDP_ECHO = [P("p1"), E("o.poll1", 4, "POLL"), E("o.connect", 4, "CONNECT", 0, queued=100), E("o.send", 4, "SEND", 100),
            E("l.poll1", 1, "POLL"),
            P("p2"), E("o.poll2", 4, "POLL"), E("l.poll2", 1, "POLL"), E("c.accept", 2, "ACCEPT", "10.0.0.4:5000"),
            E("c.recv", 2, "RECV", 100, removed=100, queued=100),
            P("p3"), E("c.poll3", 2, "POLL"), E("c.send", 2, "SEND", 100), E("o.poll3", 4, "POLL"), E("l.poll3", 1, "POLL"),
            P("p4"), E("c.close", 2, "CLOSE"), E("o.poll4", 4, "POLL"), E("o.recv", 4, "RECV", 100, removed=60),
            ["set", "o.empty", 4, {"recv": 0}], E("l.poll4", 1, "POLL"),
            P("p5"), E("o.poll5", 4, "POLL"), E("l.poll5", 1, "POLL"),
            P("p6"), E("o.poll6", 4, "POLL"), E("l.poll6", 1, "POLL"),
            E("o.close", 4, "CLOSE", nopoll=True), E("l.close", 1, "CLOSE", nopoll=True)]
F("ok_udp", "ok", """A UDP echo: the outbound connection's datagram makes a child (ACCEPT then RECV in the
listener's turn), which replies and closes (SEND_AND_CLOSE from birth); the outbound
buffer is emptied after its RECV.""", UDP_ECHO, UDP_CONNS)
F("udp1_recv_len", "UDP-1", "The child's RECV of 100 finds recv_len 90.", mod(UDP_ECHO, "c.recv", over={"recv_len": 90, "recv_after": 0, "removed": 90}), UDP_CONNS)
F("udp2_second_child", "UDP-2", "A second child for the same peer while the first lives.",
  after(after(UDP_ECHO, "l.poll3", E("c2.accept", 3, "ACCEPT", "10.0.0.4:5000"), E("c2.recv", 3, "RECV", 10, removed=10)),
        "p4", E("c2.close", 3, "CLOSE")), UDP_CONNS)
F("udp3_child_flags", "UDP-3", "A UDP child starts without SEND_AND_CLOSE.",
  mod(UDP_ECHO, "c.accept", over={"flags": UDP, "flags_after": UDP | SAC}), UDP_CONNS, profile="mongoose-6.18")
F("udp3_not_emptied", "UDP-3", "The outbound UDP buffer keeps the 40 bytes its handler left after RECV.",
  drop(UDP_ECHO, "o.empty"), UDP_CONNS, profile="mongoose-6.18")
F("udp3a_two_datagrams", "UDP-3a", "The listener delivers two datagrams (two new children) in one poll.",
  after(after(UDP_ECHO, "c.recv", E("c2.accept", 3, "ACCEPT", "10.0.0.5:5000"), E("c2.recv", 3, "RECV", 10, removed=10)),
        "p3", E("c2.close", 3, "CLOSE")), UDP_CONNS, profile="mongoose-6.18")

for name, expect, what, steps, conns, profile, topts in files:
    T = run(steps, conns, **topts)
    T.write(os.path.join(OUT, name + ".jsonl"), expect, what, profile)
print(len(files), "files")
