#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: python3 fuzz/make_seeds.py OUT_DIR

One folder per target (OUT_DIR/<target>/), made from the repository's test data: whole files and
the pieces the parsers see (single events, single JSON lines and queues, log headers with a few
records), plus the regression inputs in tests/data/fuzz-regressions/<target>/. Protocols that
tests/data holds no captures of (SNTP, KRB-ERROR, CLDAP, LDAP, SMTP replies) get packets built
here field by field from their RFCs, the shapes the unit tests use. Generated at build or run time,
never committed. Deterministic: the same tree gives the same seeds.

It also writes OUT_DIR/dict/<target>.dict: the committed fuzz/dict/*.dict, plus the detector's
(the three file readers' tokens together) and the UTF-16LE target's (queue_json's, in UTF-16LE).
"""
import hashlib
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


class Seeds:
    def __init__(self, out: Path):
        self.out = out
        self.counts = {}

    def add(self, target: str, content):
        if isinstance(content, str):
            content = content.encode("utf-8")
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        # Named by content, as libFuzzer names corpus files: duplicates collapse.
        (folder / hashlib.sha1(content).hexdigest()).write_bytes(content)
        self.counts[target] = self.counts.get(target, 0) + 1


def data_files(*patterns):
    files = []
    for pattern in patterns:
        files += sorted(DATA.glob(pattern))
    return files


# --- exported files ------------------------------------------------------------------------

def protocol_logs(seeds):
    for path in data_files("exchange/*.LOG", "scenario/*.LOG"):
        raw = path.read_bytes()
        seeds.add("protocol_log", raw)
        seeds.add("detector", b"\x00" + raw)
        lines = raw.split(b"\n")
        header = [line for line in lines if line.startswith(b"#")][:5]
        records = [line for line in lines if line and not line.startswith(b"#")]
        for start in range(0, len(records), 12):
            chunk = b"\n".join(header + records[start:start + 12]) + b"\n"
            seeds.add("protocol_log", chunk)
            seeds.add("detector", b"\x00" + chunk)


def evtx_records():
    """Records of the real .evtx files as XML (libevtx's evtxexport), one per provider and event id."""
    if not shutil.which("evtxexport"):
        return []
    records, seen = [], set()
    for path in data_files("evtx/*.evtx"):
        try:
            text = subprocess.run(["evtxexport", "-f", "xml", str(path)], capture_output=True, timeout=120).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for event in re.findall(rb"<Event[ >].*?</Event>", text, re.S):
            provider = re.search(rb'<Provider Name="([^"]*)"', event)
            event_id = re.search(rb"<EventID[^>]*>(\d+)<", event)
            key = (provider.group(1) if provider else b"", event_id.group(1) if event_id else b"")
            if key not in seen:
                seen.add(key)
                records.append(event)
    return records[:120]


def event_xml(seeds):
    for path in data_files("exchange/*.xml", "scenario/*.xml"):
        raw = path.read_bytes()
        seeds.add("event_xml", raw)
        seeds.add("detector", b"\x01" + raw)
        for event in re.findall(rb"<Event[ >].*?</Event>", raw, re.S):
            seeds.add("event_xml", event)
            seeds.add("detector", b"\x01" + event)
    for event in evtx_records():
        seeds.add("event_xml", event)
        seeds.add("detector", b"\x01" + event)


def evtx_files(seeds):
    """The real .evtx files cut to their header block and one chunk each (68 KiB a seed): the
    reader's unit is the chunk, and whole files of 1-2 MiB would make every run slow."""
    header, chunk = 4096, 65536
    for path in data_files("evtx/*.evtx"):
        raw = path.read_bytes()
        for start in range(header, min(len(raw), header + 3 * chunk), chunk):
            seeds.add("evtx", raw[:header] + raw[start:start + chunk])


def utf16le(text: bytes) -> bytes:
    return text.decode("utf-8", "replace").encode("utf-16-le")


def queue_json(seeds):
    for path in data_files("exchange/*.json", "exchange/*.jsonl", "scenario/*.json"):
        raw = path.read_bytes()
        pieces = [raw] + ([line for line in raw.split(b"\n") if line.strip()] if path.suffix == ".jsonl" else [])
        for piece in pieces:
            seeds.add("queue_json", piece)
            seeds.add("queue_json_utf16", utf16le(piece))
            seeds.add("detector", b"\x02" + piece)
    seeds.add("queue_json", b"\xef\xbb\xbf" + (DATA / "exchange" / "queue-2016-single.json").read_bytes())


# --- configuration and times --------------------------------------------------------------

def config(seeds):
    default = (ROOT / "installer" / "windows" / "authwatch.json").read_bytes()
    seeds.add("config", default)
    seeds.add("config", b'{"incidents": {"quiet_period": "90s", "diagnose_cooldown": "30m"}, // comment\n'
                        b' "maintenance": {"windows": ["Sat 22:00-02:00", "Mon-Fri 12:00-12:30", '
                        b'"2026-12-05T22:00:00Z/2026-12-06T02:00:00Z"], "offline_state_command": ["pwsh", "-Command", "x"]},'
                        b' "queue": {"enabled": true, "interval": "300s", "timeout": "60s", "command": ["pwsh"]},'
                        b' "monitor": {"dcs": ["dc1.contoso.com"], "poll_ms": 250, "syslog": true}}')
    seeds.add("config", b'{"database": {"retention_days": 0}, "logging": {"level": "loud"}, "typo": 1}')


def times(seeds):
    texts = set()
    for path in data_files("exchange/*", "scenario/*", "ldap/*.xml"):
        text = path.read_text("utf-8", "replace")
        texts.update(re.findall(r"\d{4}-\d\d-\d\dT[0-9:.]+Z?", text)[:20])
    texts.update([
        "2024-03-15 10:21:33+01:00", "2024-03-15T10:21:33.1234567-05:30", "Thu, 14 Mar 2024 10:21:33 +0000",
        "14 Mar 2024 10:21 GMT", "/Date(1710497000000)/", "\\/Date(1710497000000+0100)\\/", "/Date(-62135596800000)/",
        "20240315100000.0Z", "20240315100000Z", "2024031510+0130", "20240315100000,123456-0800", "90s", "30m", "24h",
        "7d", "Sat 22:00-02:00", "Mon-Fri 12:00-12:30", "Sat,Sun 00:00-24:00", "daily 03:00-03:30",
        "2026-12-05T22:00:00Z/2026-12-06T02:00:00Z",
        # a server's local times (Get-Queue LastRetryTime in culture forms) and UTC offsets
        "3/15/2024 10:14:03 AM", "2019/11/4 13:31:03", "15.03.2024 10:14:03", "4/11/2019 1:02:03 PM",
        "2024-03-15 10:14:03", "+01:00", "-0530", "+1", "UTC", "Z",
        "15-01-21 23:50:05\n16-01-21 00:00:05", "3/15/2024 10:14:03 AM\n3/15/2024 10:24:03 AM\n3/15/2024 10:34:03 AM",
    ])
    for text in sorted(texts):
        seeds.add("time", text)


# --- wire protocols -------------------------------------------------------------------------

def der(tag, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        head = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + head + content


def der_int(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return der(0x02, value.to_bytes(size, "big", signed=True))


def ctx(n, inner):
    return der(0xA0 | n, inner)


def gstr(text: str):
    return der(0x1B, text.encode())


def principal(name_type, *parts):
    return der(0x30, ctx(0, der_int(name_type)) + ctx(1, der(0x30, b"".join(gstr(p) for p in parts))))


def krb_error(code, stime="20240315102133Z", susec=123456, with_client=False, e_text=None, e_data=None):
    fields = ctx(0, der_int(5)) + ctx(1, der_int(30))
    if with_client:
        fields += ctx(2, der(0x18, b"20240315102130Z")) + ctx(3, der_int(999999))
    fields += ctx(4, der(0x18, stime.encode())) + ctx(5, der_int(susec)) + ctx(6, der_int(code))
    if with_client:
        fields += ctx(7, gstr("LAB.EXAMPLE")) + ctx(8, principal(1, "authwatch-probe-0badf00d"))
    fields += ctx(9, gstr("LAB.EXAMPLE")) + ctx(10, principal(2, "krbtgt", "LAB.EXAMPLE"))
    if e_text:
        fields += ctx(11, gstr(e_text))
    if e_data is not None:
        fields += ctx(12, der(0x04, e_data))
    return der(0x7E, der(0x30, fields))


def kerberos(seeds):
    packets = [
        krb_error(6), krb_error(6, with_client=True, e_text="CLIENT_NOT_FOUND"),
        krb_error(37, stime="20240315103133Z", susec=0, e_data=b"\x30\x00"), krb_error(25, e_data=bytes(range(40))),
        krb_error(-1765328378, stime="99991231235959Z"),
    ]
    as_rep = der(0x6B, der(0x30, ctx(0, der_int(5)) + ctx(1, der_int(11))))
    for packet in packets:
        seeds.add("krb_error", packet)
        seeds.add("der", packet)
    seeds.add("krb_error", as_rep)
    seeds.add("der", der(0x30, der_int(0) + der_int(-129) + der_int(2**63 - 1) + der(0x18, b"20240315102133Z")))


def sntp(seeds):
    def ntp(seconds, fraction=0):
        return struct.pack(">II", seconds & 0xFFFFFFFF, fraction)

    now = 1710497000 + 2208988800  # 2024-03-15 in NTP seconds
    for first, stratum, ref_id in [(0x24, 2, b"\x0a\x00\x00\x01"), (0x1C, 1, b"GPS\x00"), (0x24, 0, b"RATE"),
                                   (0xE5, 3, b"LOCL")]:
        seeds.add("sntp", bytes([first, stratum, 6, 0xEC]) + b"\x00" * 8 + ref_id + ntp(now - 64) + ntp(now, 1 << 31) +
                  ntp(now + 1, 12345) + ntp(now + 1, 67890))
    seeds.add("sntp", bytes([0x24, 2, 6, 0xEC]) + b"\x00" * 12 + ntp(0x7FFFFFFF) * 4)  # era 1 (after 2036)


def ber(tag, content: bytes) -> bytes:
    return der(tag, content)


def ldap_message(message_id, operation):
    return ber(0x30, der_int(message_id) + operation)


def ldap_entry(dn, attributes):
    attrs = b"".join(ber(0x30, ber(0x04, name.encode()) + ber(0x31, b"".join(ber(0x04, v) for v in values)))
                     for name, values in attributes)
    return ber(0x64, ber(0x04, dn.encode()) + ber(0x30, attrs))


def ldap_done(result_code=0):
    return ber(0x65, der(0x0A, bytes([result_code])) + ber(0x04, b"") + ber(0x04, b""))


def ldap(seeds):
    cldap_entry = ldap_message(1, ldap_entry("", [("dnsHostName", [b"dc1.lab.example"])]))
    seeds.add("cldap", cldap_entry + ldap_message(1, ldap_done()))
    seeds.add("cldap", ldap_message(1, ldap_done(0)))
    seeds.add("cldap", ldap_message(2, ldap_done(53)))
    root_dse = [
        ("currentTime", [b"20240315102133.0Z"]), ("dnsHostName", [b"dc1.lab.example"]),
        ("defaultNamingContext", [b"DC=lab,DC=example"]),
        ("configurationNamingContext", [b"CN=Configuration,DC=lab,DC=example"]),
        ("serverName", [b"CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=lab,DC=example"]),
    ]
    # libldap numbers the first request 1: the entry, then the result.
    seeds.add("root_dse", ldap_message(1, ldap_entry("", root_dse)) + ldap_message(1, ldap_done()))
    seeds.add("root_dse", ldap_message(1, ldap_entry("", root_dse[1:])) + ldap_message(1, ldap_done()))
    seeds.add("root_dse", ldap_message(1, ldap_done(32)))
    for path in data_files("ldap/*.bin"):
        seeds.add("reps_from", path.read_bytes())
    for path in data_files("ldap/*.xml"):
        raw = path.read_bytes()
        seeds.add("repl_neighbor", raw)
        seeds.add("repl_neighbor", raw + b"\x00")


def smtp(seeds):
    banner = b"220 ex2.contoso.com Microsoft ESMTP MAIL Service ready at Thu, 14 Mar 2024 10:21:33 +0000\r\n"
    ehlo = (b"250-ex2.contoso.com Hello [10.0.0.1]\r\n250-SIZE 37748736\r\n250-PIPELINING\r\n250-DSN\r\n"
            b"250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-X-ANONYMOUSTLS\r\n250-AUTH NTLM\r\n"
            b"250-X-EXPS GSSAPI NTLM\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 XRDST\r\n")
    seeds.add("smtp_reply", banner + ehlo)
    seeds.add("smtp_reply", banner + b"250-ex2.contoso.com Hello [10.0.0.1]\r\n250-X-EXPS EXCHANGEAUTH GSSAPI NTLM\r\n250 XRDST\r\n")
    seeds.add("smtp_reply", b"220-ex2.contoso.com first line\r\n220 ready at 14 Mar 2024 10:21 GMT\r\n250 ex2\r\n")
    seeds.add("smtp_reply", b"554 5.7.1 Client host [10.0.0.1] rejected: access denied\r\n")


def regressions(seeds):
    folder = DATA / "fuzz-regressions"
    for path in sorted(folder.glob("*/*")) if folder.is_dir() else []:
        if path.is_file():
            seeds.add(path.parent.name, path.read_bytes())


def dictionaries(out: Path):
    source = Path(__file__).resolve().parent / "dict"
    folder = out / "dict"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.dict")):
        shutil.copyfile(path, folder / path.name)

    def entries(name):
        return [line for line in (source / name).read_text().splitlines() if line.startswith('"')]

    detector = entries("protocol_log.dict") + entries("event_xml.dict") + entries("queue_json.dict")
    (folder / "detector.dict").write_text("\n".join(detector) + "\n")
    wide = []
    for entry in entries("queue_json.dict"):
        # Undo the dictionary escapes, then write every byte as \xNN followed by \x00.
        raw = entry[1:-1].encode().decode("unicode_escape").encode("latin-1")
        wide.append('"' + "".join(f"\\x{b:02x}\\x00" for b in raw) + '"')
    (folder / "queue_json_utf16.dict").write_text("\n".join(wide) + "\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUT_DIR")
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    seeds = Seeds(out)
    for make in (protocol_logs, event_xml, evtx_files, queue_json, config, times, kerberos, sntp, ldap, smtp, regressions):
        make(seeds)
    dictionaries(out)
    print("seeds: " + ", ".join(f"{t} {n}" for t, n in sorted(seeds.counts.items())))


if __name__ == "__main__":
    main()
