#!/usr/bin/env python3
"""Drive two baresip instances (alice, bob) over their ctrl_tcp sockets.

  baresip_ctl.py steps A_CTL_PORT B_CTL_PORT A_AOR B_AOR CALLEE_URI
      register, call and refresh (tests/interop/clients/baresip.sh, the
      contract in tests/interop/README.md); prints "STEP NAME ok" or
      "STEP NAME fail WHY" per step, then asks both to quit (which
      unregisters them); exit 1 when a step failed.
  baresip_ctl.py unregistered TRACE
      TRACE is a baresip -s SIP trace: its last REGISTER with expires 0
      got a 200 (matched by Call-ID and CSeq); exit 1 when not.

ctrl_tcp speaks netstrings of JSON: {"command", "params", "token"} in,
{"response": true, "ok", "data", "token"} and {"event": true, "type",
"accountaor", ...} out.  Every wait is bounded.
"""
import json
import os
import re
import select
import socket
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Ctl:
    def __init__(self, name, port):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.events = []      # (time, event dict), in order
        self.responses = {}   # token -> response dict
        self.ntok = 0

    def send(self, command, params=None):
        self.ntok += 1
        token = "%s%d" % (command, self.ntok)
        msg = {"command": command, "token": token}
        if params is not None:
            msg["params"] = params
        data = json.dumps(msg).encode()
        self.sock.sendall(b"%d:%s," % (len(data), data))
        return token

    def feed(self, data):
        self.buf += data
        while True:
            head, sep, rest = self.buf.partition(b":")
            if not sep or not head.isdigit():
                return
            n = int(head)
            if len(rest) < n + 1:
                return
            msg = json.loads(rest[:n])
            self.buf = rest[n + 1:]
            if msg.get("event"):
                self.events.append((time.monotonic(), msg))
            elif msg.get("response"):
                self.responses[msg.get("token")] = msg


CTLS = []


def pump(seconds):
    """Read whatever both instances send for up to SECONDS."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([c.sock for c in CTLS], [], [], left)
        for c in CTLS:
            if c.sock in r:
                data = c.sock.recv(65536)
                if not data:
                    raise ConnectionError("%s closed its ctrl_tcp socket" % c.name)
                c.feed(data)


def wait_for(pred, seconds):
    """Pump until pred() is true or SECONDS pass; the value of pred()."""
    end = time.monotonic() + seconds
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        pump(min(0.1, max(0.0, end - time.monotonic())))


def command(ctl, cmd, params=None, seconds=5):
    tok = ctl.send(cmd, params)
    resp = wait_for(lambda: ctl.responses.get(tok), seconds)
    if not resp:
        raise TimeoutError("%s: no answer to %s within %d s" % (ctl.name, cmd, seconds))
    return resp


def event(ctl, etype, since, seconds, **match):
    def find():
        for t, e in ctl.events:
            if t >= since and e.get("type") == etype and all(
                    e.get(k) == v for k, v in match.items()):
                return e
        return None
    return wait_for(find, seconds)


def registered(ctl, aor):
    """reginfo shows AOR with status OK."""
    data = ANSI.sub("", command(ctl, "reginfo").get("data", ""))
    for line in data.splitlines():
        if aor in line:
            return re.search(r"\sOK\s", line + " ") is not None
    return False


def route_hint():
    """libre sends requests to sip: URIs only (another scheme is ENOSYS,
    "Function not implemented"): say so when alice's trace shows a
    Record-Route with a sips: URI, the route set of her ACK."""
    trace = os.environ.get("BARESIP_A_TRACE")
    try:
        text = open(trace, encoding="utf-8", errors="replace").read() if trace else ""
    except OSError:
        text = ""
    m = re.search(r"(?mi)^Record-Route:\s*<(sips:[^>]*)>", text)
    if not m:
        return ""
    return " (the route set has %s: libre sends only to sip: URIs)" % m.group(1)


def step(name, ok, why=""):
    print("STEP %s %s%s" % (name, "ok" if ok else "fail", "" if ok else " " + why),
          flush=True)
    return ok


def steps(a_port, b_port, a_aor, b_aor, callee):
    nonce_ttl = int(os.environ.get("NONCE_TTL", "5"))
    reg_expires = int(os.environ.get("REG_EXPIRES", "10"))
    a = Ctl("alice", a_port)
    b = Ctl("bob", b_port)
    CTLS.extend([a, b])
    good = True

    # register: both report their registration OK (reginfo), 15 s at most.
    end = time.monotonic() + 15
    a_ok = b_ok = False
    while time.monotonic() < end and not (a_ok and b_ok):
        a_ok = a_ok or registered(a, a_aor)
        b_ok = b_ok or registered(b, b_aor)
        if not (a_ok and b_ok):
            pump(0.2)
    why = ", ".join(n for n, ok in (("alice", a_ok), ("bob", b_ok)) if not ok)
    if not step("register", a_ok and b_ok, why + " not registered within 15 s"):
        return False

    # call: alice dials bob; bob auto-answers; both established; 1 s;
    # alice hangs up; both closed.
    t0 = time.monotonic()
    resp = command(a, "dial", callee)
    why = ""
    if not resp.get("ok"):
        why = "dial refused: %s" % resp.get("data")
    elif not wait_for(lambda: event(a, "CALL_ESTABLISHED", t0, 0) or
                      event(a, "CALL_CLOSED", t0, 0), 15):
        why = "alice saw no CALL_ESTABLISHED within 15 s"
    elif not event(a, "CALL_ESTABLISHED", t0, 0):
        why = "alice's call closed before it was established: %s%s" % (
            event(a, "CALL_CLOSED", t0, 0).get("param"), route_hint())
    elif not event(b, "CALL_ESTABLISHED", t0, 5, direction="incoming"):
        why = "bob saw no incoming CALL_ESTABLISHED"
    else:
        pump(1.0)
        closed_early = [e for _, e in a.events + b.events
                        if e.get("type") == "CALL_CLOSED"]
        if closed_early:
            why = "call closed before the hangup: %s" % closed_early[0].get("param")
        else:
            t1 = time.monotonic()
            command(a, "hangup")
            if not event(a, "CALL_CLOSED", t1, 10):
                why = "alice saw no CALL_CLOSED after the hangup"
            elif not event(b, "CALL_CLOSED", t1, 10):
                why = "bob saw no CALL_CLOSED after alice's BYE"
    good = step("call", not why, why) and good
    if why:
        # Whatever is left of the call ends here, so that both can quit.
        t1 = time.monotonic()
        for c in (a, b):
            if event(c, "CALL_CLOSED", t0, 0):
                continue
            try:
                command(c, "hangup")
                event(c, "CALL_CLOSED", t1, 5)
            except (OSError, TimeoutError):
                pass

    # refresh: after NONCE_TTL+1 s, alice's own refresh (libre re-registers
    # at 90 % of the interval) is accepted again.
    pump(nonce_ttl + 1)
    t2 = time.monotonic()
    e = event(a, "REGISTER_OK", t2, reg_expires + 5, accountaor=a_aor)
    why = "" if e else "alice reported no REGISTER_OK within %d s after waiting %d s" % (
        reg_expires + 5, nonce_ttl + 1)
    if not why and not registered(a, a_aor):
        why = "alice's registration not OK after the refresh"
    good = step("refresh", not why, why) and good

    # Both quit, which unregisters them; baresip.sh checks the traces.
    for c in (a, b):
        try:
            c.send("quit")
        except OSError:
            pass
    return good


def unregistered(trace):
    """The last REGISTER with expires 0 in TRACE got a 200."""
    text = ANSI.sub("", open(trace, encoding="utf-8", errors="replace").read())
    blocks = re.split(r"(?m)^#\r?\n", text)
    last = None
    for i, blk in enumerate(blocks):
        lines = blk.splitlines()
        if len(lines) < 2:
            continue
        start = lines[1]
        hdrs = "\n".join(lines[2:])
        callid = re.search(r"(?mi)^Call-ID:\s*(\S+)", hdrs)
        cseq = re.search(r"(?mi)^CSeq:\s*(\d+)\s+(\S+)", hdrs)
        if not callid or not cseq:
            continue
        key = (callid.group(1), cseq.group(1), cseq.group(2).upper())
        if start.startswith("REGISTER ") and (
                re.search(r"(?mi)^Contact:.*;\s*expires=0\b", hdrs) or
                re.search(r"(?mi)^Expires:\s*0\s*$", hdrs)):
            last = (i, key)
    if last is None:
        print("no REGISTER with expires 0 in %s" % trace)
        return False
    for blk in blocks[last[0] + 1:]:
        lines = blk.splitlines()
        if len(lines) < 2 or not lines[1].startswith("SIP/2.0 "):
            continue
        hdrs = "\n".join(lines[2:])
        callid = re.search(r"(?mi)^Call-ID:\s*(\S+)", hdrs)
        cseq = re.search(r"(?mi)^CSeq:\s*(\d+)\s+(\S+)", hdrs)
        if callid and cseq and (callid.group(1), cseq.group(1),
                                cseq.group(2).upper()) == last[1]:
            code = lines[1].split()[1]
            if code.startswith("2"):
                return True
            if not code.startswith("1"):
                print("unregister answered %s" % lines[1].strip())
                return False
    print("no final answer to the unregister (CSeq %s)" % last[1][1])
    return False


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "steps":
        try:
            ok = steps(int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7])
        except (OSError, TimeoutError, ConnectionError, ValueError) as e:
            print("baresip_ctl: %s" % e, file=sys.stderr)
            ok = False
        return 0 if ok else 1
    if len(sys.argv) == 3 and sys.argv[1] == "unregistered":
        return 0 if unregistered(sys.argv[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
