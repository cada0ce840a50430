#!/usr/bin/env python3
"""Writes realistic Exchange SMTP Receive protocol logs for the scan benchmark.

Format as docs/domain.md §2 documents it: UTF-8 BOM, CRLF, the five-line header with #Fields, RFC 4180
quoting, one hourly file per hour named RECVyyyymmddhh-1.LOG and never more than 10 MB (Exchange's
MaxFileSize). Sessions are modelled on tests/data/scenario/RECV2024031510-1.LOG: mostly healthy
intra-organisation sessions whose Exchange authentication ends in 235, some anonymous inbound mail,
about 1 % of sessions failing with "Inbound ExchangeAuth negotiation failed because of IllegalMessage"
and "454 4.7.0 Temporary authentication failure", and some client AUTH LOGIN failures. Lines of
concurrent sessions are interleaved in time order, as Exchange writes them.

Deterministic: the same --seed and --mb give byte-identical files. A manifest (JSON, on stdout)
records what was written, so the benchmark can check every tool's count against the truth.
"""
import argparse
import datetime as dt
import heapq
import json
import os
import random
import sys

MIB = 1 << 20
MAX_FILE_BYTES = 10 * MIB  # Exchange's default MaxFileSize for protocol logs
BOM = "\ufeff"
FIELDS = "date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context"

LOCAL = "ex2.contoso.com"
HUB_CONNECTOR = "EX2\\Default EX2"
FRONTEND_CONNECTOR = "EX2\\Default Frontend EX2"
CLIENT_CONNECTOR = "EX2\\Client Frontend EX2"
PEERS = [(f"ex{i}.contoso.com", f"10.0.0.{i}") for i in (1, 3, 4, 5, 6, 7, 8)]
FAILING_PEERS = PEERS[:2]  # a broken Kerberos trust usually concerns one or two servers
INTERNET = [("mail.fabrikam.com", "198.51.100.17"), ("smtp.adatum.com", "203.0.113.40"),
            ("mx1.litware.com", "198.51.100.88"), ("out.northwindtraders.com", "203.0.113.9")]
CLIENTS = ["192.0.2.44", "192.0.2.71", "192.0.2.130", "192.0.2.201"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
PERMISSIONS = ("SMTPSubmit SMTPAcceptAnySender SMTPAcceptAnyRecipient SMTPAcceptAuthenticationFlag "
               "SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders")
TLS = ("TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 "
       "with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm "
       "CALG_ECDH_EPHEM with strength 384 bits")
EHLO_PLAIN = (f"250  {LOCAL} Hello [{{ip}}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS "
              "X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING XRDST XSHADOWREQUEST")
EHLO_EXPS = (f"250  {LOCAL} Hello [{{ip}}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES AUTH NTLM X-EXPS "
             "EXCHANGEAUTH GSSAPI NTLM X-EXCHANGEAUTH SHA256 8BITMIME BINARYMIME CHUNKING XRDST XSHADOWREQUEST")
EHLO_INTERNET = (f"250  {LOCAL} Hello [{{ip}}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS "
                 "8BITMIME BINARYMIME CHUNKING SMTPUTF8")


def csv_field(value):
    """RFC 4180, as Exchange writes it: quote fields holding a comma or a quote, double the quotes."""
    if "," in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


class Session:
    """One SMTP session: (milliseconds after its start, event, data, context) per line."""

    def __init__(self, connector, local_port, peer_ip, peer_port):
        self.connector = connector
        self.local = f"10.0.0.2:{local_port}"
        self.remote = f"{peer_ip}:{peer_port}"
        self.lines = []
        self.elapsed_ms = 0

    def add(self, event, data="", context="", after_ms=1):
        self.elapsed_ms += after_ms
        self.lines.append((self.elapsed_ms, event, data, context))


def banner(when_text):
    return f"220 {LOCAL} Microsoft ESMTP MAIL Service ready at {when_text}"


def exchange_auth_start(s, rng, name, ip):
    """Connect, STARTTLS-like X-ANONYMOUSTLS and the second EHLO that offers X-EXPS EXCHANGEAUTH."""
    s.add("+", after_ms=0)
    s.add("*", PERMISSIONS, "Set Session Permissions")
    s.add(">", "{banner}")
    s.add("<", f"EHLO {name}", after_ms=rng.randint(2, 6))
    s.add(">", EHLO_PLAIN.format(ip=ip))
    s.add("<", "X-ANONYMOUSTLS", after_ms=rng.randint(1, 3))
    s.add(">", "220 2.0.0 SMTP server ready")
    s.add("*", "", TLS, after_ms=rng.randint(15, 40))
    s.add("<", f"EHLO {name}", after_ms=rng.randint(5, 15))
    s.add(">", EHLO_EXPS.format(ip=ip))
    s.add("<", "X-EXPS EXCHANGEAUTH SHA256 <authentication data>", after_ms=rng.randint(5, 15))


def messages(s, rng, domain, internal):
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        sender = f"{rng.choice(USERS)}@{domain}"
        size = rng.randint(2_000, 400_000)
        s.add("<", f"MAIL FROM:<{sender}> SIZE={size}" + (" AUTH=<> BODY=BINARYMIME" if internal else ""),
              after_ms=rng.randint(5, 40))
        s.add("*", "{message_id}", "receiving message")
        recipients = rng.choice((1, 1, 1, 2, 3, 5))
        for r in range(recipients):
            s.add("<", f"RCPT TO:<{USERS[(r + size) % len(USERS)]}@contoso.com>", after_ms=rng.randint(1, 3))
        s.add("<", f"BDAT {size} LAST", after_ms=rng.randint(1, 5))
        s.add(">", "250 2.1.0 Sender OK", after_ms=rng.randint(20, 200))
        for _ in range(recipients):
            s.add(">", "250 2.1.5 Recipient OK", after_ms=0)
        kbps = rng.randint(20_000, 900_000)
        s.add(">", f"250 2.6.0 <{rng.getrandbits(128):032x}@{domain}> [InternalId={rng.randint(10**10, 10**11)}, "
                   f"Hostname={LOCAL}] {size + 3600} bytes in {rng.randint(5, 400) / 1000:.3f}, "
                   f"{kbps // 1000},{kbps % 1000:03d} KB/sec Queued mail for delivery", after_ms=rng.randint(1, 30))


def close(s, rng):
    if rng.random() < 0.5:
        s.add("<", "QUIT", after_ms=rng.randint(1, 50))
        s.add(">", "221 2.0.0 Service closing transmission channel")
        s.add("-", "", "Local")
    else:
        s.add("-", "", "Remote(Close)", after_ms=rng.randint(1, 30_000))


def healthy_intra_org(rng):
    name, ip = rng.choice(PEERS)
    s = Session(HUB_CONNECTOR, 2525, ip, rng.randint(20000, 65000))
    exchange_auth_start(s, rng, name, ip)
    s.add(">", "235 <authentication response>", after_ms=rng.randint(5, 20))
    s.add("*", name.split(".")[0].upper() + "$", "authenticated")
    s.add("*", "", "Proxy destination(s) obtained from OnProxyInboundMessage event")
    messages(s, rng, "contoso.com", internal=True)
    close(s, rng)
    return s


def anonymous_internet(rng):
    name, ip = rng.choice(INTERNET)
    s = Session(FRONTEND_CONNECTOR, 25, ip, rng.randint(20000, 65000))
    s.add("+", after_ms=0)
    s.add("*", "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAuthenticationFlag", "Set Session Permissions")
    s.add(">", "{banner}")
    s.add("<", f"EHLO {name}", after_ms=rng.randint(20, 90))
    s.add(">", EHLO_INTERNET.format(ip=ip))
    s.add("<", "STARTTLS", after_ms=rng.randint(20, 90))
    s.add(">", "220 2.0.0 SMTP server ready")
    s.add("*", "", TLS, after_ms=rng.randint(30, 120))
    s.add("<", f"EHLO {name}", after_ms=rng.randint(20, 90))
    s.add(">", EHLO_INTERNET.format(ip=ip))
    messages(s, rng, name.split(".", 1)[1], internal=False)
    close(s, rng)
    return s


def failing_exchange_auth(rng):
    """The scenario's failing session: the receiver cannot accept the peer's Kerberos ticket."""
    name, ip = rng.choice(FAILING_PEERS)
    s = Session(HUB_CONNECTOR, 2525, ip, rng.randint(20000, 65000))
    exchange_auth_start(s, rng, name, ip)
    s.add("*", "", "Inbound ExchangeAuth negotiation failed because of IllegalMessage", after_ms=rng.randint(50, 200))
    s.add(">", "454 4.7.0 Temporary authentication failure", after_ms=0)
    s.add("-", "", "Local", after_ms=rng.randint(3, 10))
    return s


def client_auth_login_failure(rng):
    """A user's wrong password on the client submission connector: noise, not an Exchange fault."""
    ip = rng.choice(CLIENTS)
    s = Session(CLIENT_CONNECTOR, 587, ip, rng.randint(20000, 65000))
    s.add("+", after_ms=0)
    s.add(">", "{banner}")
    s.add("<", "EHLO [" + ip + "]", after_ms=rng.randint(20, 90))
    s.add(">", f"250  {LOCAL} Hello [{ip}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES AUTH LOGIN 8BITMIME")
    s.add("<", "AUTH LOGIN", after_ms=rng.randint(20, 90))
    s.add("*", "", "Inbound AUTH LOGIN failed because of LogonDenied", after_ms=rng.randint(1000, 3000))
    s.add(">", "535 5.7.3 Authentication unsuccessful", after_ms=1)
    s.add("-", "", "Remote(Close)", after_ms=rng.randint(5, 20))
    return s


SIZING_TIME = dt.datetime(2024, 3, 15, tzinfo=dt.timezone.utc)


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def render(session_id, session, start):
    """The session's CSV lines as (time, sequence-number, text) in its own order."""
    rendered = []
    for seq, (offset_ms, event, data, context) in enumerate(session.lines):
        t = start + dt.timedelta(milliseconds=offset_ms)
        if data == "{banner}":
            data = banner(t.strftime("%a, %d %b %Y %H:%M:%S +0000"))
        elif data == "{message_id}":
            data = f"{session_id};{iso_ms(t)};1"
        fields = [iso_ms(t), session.connector, session_id, str(seq), session.local, session.remote,
                  event, data, context]
        rendered.append((t, seq, ",".join(csv_field(f) for f in fields) + "\r\n"))
    return rendered


def write_hour(path, hour_start, sessions, first_id, rng):
    """Spreads the sessions over the hour, interleaves their lines in time order, writes one file."""
    hour_ms = 3_600_000
    starts = sorted(rng.randrange(0, hour_ms - 60_000) for _ in sessions)
    streams = []
    for n, (session, start_ms) in enumerate(zip(sessions, starts)):
        session_id = f"{first_id + n:016X}"
        streams.append(render(session_id, session, hour_start + dt.timedelta(milliseconds=start_ms)))
    header = (f"{BOM}#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"
              f"#Log-type: SMTP Receive Protocol Log\r\n#Date: {iso_ms(hour_start + dt.timedelta(milliseconds=starts[0]))}\r\n"
              f"#Fields: {FIELDS}\r\n")
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        lines = 5
        for _, _, text in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            out.write(text)
            lines += 1
    return lines


def session_bytes(session):
    # Exact: every text that depends on the session's time or id has a fixed length.
    return sum(len(text) for _, _, text in render("0" * 16, session, SIZING_TIME))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50, help="total size in MiB (default 50)")
    parser.add_argument("--out", required=True, help="folder to write into (created)")
    parser.add_argument("--seed", type=int, default=1035)
    parser.add_argument("--mb-per-hour", type=float, default=8,
                        help="traffic per hourly file in MiB (default 8; capped below 10 MiB)")
    parser.add_argument("--fail-rate", type=float, default=0.01, help="share of failing ExchangeAuth sessions")
    parser.add_argument("--auth-login-rate", type=float, default=0.005, help="share of client AUTH LOGIN failures")
    parser.add_argument("--internet-rate", type=float, default=0.05, help="share of anonymous inbound mail")
    args = parser.parse_args()
    if not 0 < args.mb <= 100_000 or not 0 < args.mb_per_hour:
        parser.error("--mb must be in (0, 100000] and --mb-per-hour above 0")

    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    total_target = int(args.mb * MIB)
    per_hour = min(int(args.mb_per_hour * MIB), MAX_FILE_BYTES - MIB)  # 1 MiB headroom for estimates
    hour = dt.datetime(2024, 3, 15, 0, 0, tzinfo=dt.timezone.utc)
    next_id = 0x08DC44A1B2C30000 + rng.randrange(0, 1 << 16)
    manifest = {"seed": args.seed, "files": [], "bytes": 0, "lines": 0, "records": 0, "sessions": 0,
                "failing_exchangeauth_sessions": 0, "auth_login_failures": 0}
    written = 0
    while written < total_target:  # bounded: every pass writes at least one session
        budget = min(per_hour, total_target - written)
        sessions, size = [], 0
        while size < budget:
            roll = rng.random()
            if roll < args.fail_rate:
                s = failing_exchange_auth(rng)
                manifest["failing_exchangeauth_sessions"] += 1
            elif roll < args.fail_rate + args.auth_login_rate:
                s = client_auth_login_failure(rng)
                manifest["auth_login_failures"] += 1
            elif roll < args.fail_rate + args.auth_login_rate + args.internet_rate:
                s = anonymous_internet(rng)
            else:
                s = healthy_intra_org(rng)
            sessions.append(s)
            size += session_bytes(s)
        path = os.path.join(args.out, hour.strftime("RECV%Y%m%d%H-1.LOG"))
        lines = write_hour(path, hour, sessions, next_id, rng)
        file_bytes = os.path.getsize(path)
        if file_bytes > MAX_FILE_BYTES:
            sys.exit(f"{path}: {file_bytes} bytes, more than Exchange's 10 MB rollover size")
        next_id += len(sessions)
        written += file_bytes
        manifest["files"].append(os.path.basename(path))
        manifest["bytes"] += file_bytes
        manifest["lines"] += lines
        manifest["records"] += lines - 5
        manifest["sessions"] += len(sessions)
        hour += dt.timedelta(hours=1)
    # Printed, not written beside the logs: the benchmark scans the whole folder.
    print(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
