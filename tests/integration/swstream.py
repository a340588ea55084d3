"""TCP and TLS SIP connections for the sipwarden integration cases.

A Stream is one connection to (or accepted from) sipwarden.  Messages are
framed by Content-Length as RFC 3261 18.3 says; recv() returns swsip.Msg
objects, with .addr the peer.  Every receive has a timeout.
"""

import select
import socket
import ssl
import time

from swsip import FAMILY, IP, Msg, check, fail, wire


def tls_client_context():
    """A client context that does not check the test certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Stream:
    def __init__(self, sock, tls=False):
        self.s = sock
        self.tls = tls
        self.buf = b""
        self.closed = False
        self.addr = sock.getpeername()

    @classmethod
    def connect(cls, port, ip=IP, tls=False, bind_port=None, ctx=None,
                timeout=5.0):
        s = socket.socket(FAMILY, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if bind_port is not None:
            s.bind((ip, bind_port))
        s.settimeout(timeout)
        s.connect((ip, port))
        if tls:
            s = (ctx or tls_client_context()).wrap_socket(s)
        return cls(s, tls)

    def local_port(self):
        return self.s.getsockname()[1]

    def send(self, msg):
        self.s.sendall(wire(msg))

    def send_raw(self, data):
        self.s.sendall(data)

    def _fill(self, deadline):
        """Read what is there; False when the deadline passed or EOF."""
        left = deadline - time.time()
        if left <= 0:
            return False
        if not (self.tls and self.s.pending()):
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return False
        self.s.settimeout(max(left, 0.001))
        try:
            data = self.s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return True
        except (ConnectionResetError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    def _frame(self):
        """One message (or keep-alive CRLF) off the buffer, or None."""
        if self.buf.startswith(b"\r\n"):
            self.buf = self.buf[2:]
            return b"\r\n"
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, val = line.partition(":")
            if name.strip().lower() in ("content-length", "l"):
                length = int(val.strip())
        total = end + 4 + length
        if len(self.buf) < total:
            return None
        data, self.buf = self.buf[:total], self.buf[total:]
        return data

    def recv_frame(self, timeout):
        deadline = time.time() + timeout
        while True:
            f = self._frame()
            if f is not None:
                return f
            if not self._fill(deadline):
                return None

    def recv(self, timeout, want=None):
        """The next message (matching want, others skipped), or None."""
        deadline = time.time() + timeout
        while True:
            f = self.recv_frame(max(deadline - time.time(), 0))
            if f is None:
                return None
            if f == b"\r\n":
                continue
            m = Msg(f, self.addr)
            if want is None or want(m):
                return m

    def expect(self, timeout, what, want=None):
        m = self.recv(timeout, want)
        check(m is not None, "no %s within %g s" % (what, timeout))
        return m

    def wait_closed(self, timeout):
        """True when the peer closes within timeout (data is discarded)."""
        deadline = time.time() + timeout
        while not self.closed:
            if not self._fill(deadline) and not self.closed:
                return False
            self.buf = b""
        return True

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def listener(port, ip=IP):
    s = socket.socket(FAMILY, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(16)
    return s


def accept(lsock, timeout):
    r, _, _ = select.select([lsock], [], [], timeout)
    if not r:
        fail("no connection within %g s" % timeout)
    s, _ = lsock.accept()
    return Stream(s)
