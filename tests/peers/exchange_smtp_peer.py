#!/usr/bin/env python3
"""A scripted Exchange receive connector: the EHLO conversation of docs/domain.md §3, and hostile variants.

Exchange cannot run here, so the smtp probe's tests talk to this instead. Standard library only.

  exchange_smtp_peer.py --port P [--mode MODE] [--bind 127.0.0.1] [--clock-offset S] [--fqdn NAME]
                        [--exit-when-stdin-closes]

Modes:
  exchange  the "Default <Server>" connector with ExchangeServer authentication (X-ANONYMOUSTLS, X-EXPS GSSAPI NTLM)
  no-xexps  a connector without ExchangeServer authentication: no X-ANONYMOUSTLS, no X-EXPS
  silent    accepts and never sends a byte
  drip      the exchange banner one byte per second
  flood     10 MB of garbage without CRLF
  reject    a "554 5.7.1" greeting, then only QUIT is honoured

--clock-offset S shifts the date in the banner by S seconds: a server whose clock is off (Exchange's
banner ends in its local time, "ready at Thu, 14 Mar 2024 10:21:33 +0100").
--fqdn NAME is the server's name in the banner and the EHLO reply (default ex2.contoso.com): the lab
plays exch01.lab.example, the computer account whose connectors and SPNs the directory holds.

Prints "READY <port>" on stdout once listening (--port 0 lets the OS pick; the real port is printed)
and serves connections, each on its own thread, until killed. With --exit-when-stdin-closes it
also exits when its stdin reaches EOF, so a test that crashes (and so never kills it) leaves no
peer behind: the test holds the write end of that pipe.
"""
import argparse
import email.utils
import os
import socket
import socketserver
import sys
import threading
import time

SERVER_FQDN = "ex2.contoso.com"
MAX_COMMAND_BYTES = 4096
FLOOD_BYTES = 10 * 1024 * 1024

# The documented EHLO reply (learn.microsoft.com test-smtp-telnet), in Exchange's order.
EXCHANGE_CAPABILITIES = [
    "SIZE 37748736",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "STARTTLS",
    "X-ANONYMOUSTLS",
    "AUTH NTLM",
    "X-EXPS GSSAPI NTLM",
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "XRDST",
]
# Without ExchangeServer in AuthMechanism the connector advertises neither of these (docs/domain.md §3, §8).
EXCHANGE_AUTH_ONLY = {"X-ANONYMOUSTLS", "X-EXPS GSSAPI NTLM"}


CLOCK_OFFSET = 0.0


def banner():
    now = email.utils.formatdate(time.time() + CLOCK_OFFSET, localtime=True)
    return "220 %s Microsoft ESMTP MAIL Service ready at %s\r\n" % (SERVER_FQDN, now)


def ehlo_reply(client_ip, mode):
    caps = [c for c in EXCHANGE_CAPABILITIES if mode != "no-xexps" or c not in EXCHANGE_AUTH_ONLY]
    lines = ["%s Hello [%s]" % (SERVER_FQDN, client_ip)] + caps
    return "".join("250%s%s\r\n" % ("-" if i < len(lines) - 1 else " ", line) for i, line in enumerate(lines))


class Session(socketserver.BaseRequestHandler):
    def handle(self):
        mode = self.server.mode
        try:
            if mode == "silent":
                self.wait_for_close()
            elif mode == "flood":
                self.flood()
            elif mode == "reject":
                self.send("554 5.7.1 Client host [%s] rejected: access denied\r\n" % self.client_address[0])
                self.converse(rejected=True)
            else:
                if mode == "drip":
                    for byte in banner().encode("ascii"):
                        self.request.sendall(bytes([byte]))
                        time.sleep(1)
                else:
                    self.send(banner())
                self.converse(rejected=False)
        except OSError:
            pass  # the client went away: normal for the hostile modes

    def send(self, text):
        self.request.sendall(text.encode("ascii"))

    def wait_for_close(self):
        while self.request.recv(4096):
            pass

    def flood(self):
        chunk = bytes((i * 7 + 1) % 256 for i in range(65536)).replace(b"\r", b"#").replace(b"\n", b"#")
        sent = 0
        while sent < FLOOD_BYTES:
            self.request.sendall(chunk)
            sent += len(chunk)
        self.request.shutdown(socket.SHUT_WR)
        self.wait_for_close()

    def commands(self):
        pending = b""
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                yield line.rstrip(b"\r").decode("ascii", "replace")
            if len(pending) > MAX_COMMAND_BYTES:
                self.send("500 5.3.3 Line too long\r\n")
                return

    def converse(self, rejected):
        for line in self.commands():
            verb, _, argument = line.strip().partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                self.send("221 2.0.0 Service closing transmission channel\r\n")
                return
            if rejected:
                self.send("503 5.5.1 Bad sequence of commands\r\n")
            elif verb == "EHLO" and argument.strip():
                self.send(ehlo_reply(self.client_address[0], self.server.mode))
            elif verb == "HELO" and argument.strip():
                self.send("250 %s Hello [%s]\r\n" % (SERVER_FQDN, self.client_address[0]))
            elif verb in ("EHLO", "HELO"):
                self.send("501 5.5.4 Invalid domain name\r\n")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK\r\n")
            elif verb == "RSET":
                self.send("250 2.0.0 Resetting\r\n")
            elif verb in ("STARTTLS", "X-ANONYMOUSTLS"):
                self.send("454 4.7.0 TLS not available\r\n")  # this peer plays the EHLO, not the TLS that follows
            else:
                self.send("500 5.3.3 Unrecognized command '%s'\r\n" % verb)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def exit_when_stdin_closes():
    def watch():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    global CLOCK_OFFSET, SERVER_FQDN
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default="exchange", choices=["exchange", "no-xexps", "silent", "drip", "flood", "reject"])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--fqdn", default=SERVER_FQDN)
    parser.add_argument("--exit-when-stdin-closes", action="store_true")
    args = parser.parse_args()
    CLOCK_OFFSET = args.clock_offset
    SERVER_FQDN = args.fqdn
    if args.exit_when_stdin_closes:
        exit_when_stdin_closes()
    server = Server((args.bind, args.port), Session)
    server.mode = args.mode
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
