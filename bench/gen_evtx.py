#!/usr/bin/env python3
"""Writes an .evtx file that looks like an Exchange server's Application log (bench/README.md).

The bulk is real: chunks of public sample logs, copied with their records renumbered in order
(record headers and EventRecordID), TimeCreated moved on a few seconds a record, and the chunk
checksums written again. Between them, at their real share (well under 1 %), chunks of
MSExchangeTransport 1035/2003/2017 events in the classic template Exchange's events use
(docs/domain.md §1.3), written as Windows writes them (each name and the template in full where the
chunk first uses them, by offset after that): failing ExchangeAuth from three peers, 1035 Login
noise from client connectors, the sender's 2003 and 2017. Deterministic: the same seed and
sources give the same bytes. Prints a manifest (JSON) of what it wrote.
"""
import argparse
import glob
import json
import os
import random
import struct
import sys
import zlib

CHUNK = 65536
HEADER_BLOCK = 4096

# --- reading the sources ------------------------------------------------------------------------


class Element:
    __slots__ = ("name", "attrs", "content")

    def __init__(self, name):
        self.name, self.attrs, self.content = name, [], []


class Instance:
    """A template instance: the template's key and tree, and its values [(type, bytes | Instance | Raw)]."""
    __slots__ = ("key", "tree", "values", "positions")

    def __init__(self, key, tree, values, positions=None):
        self.key, self.tree, self.values, self.positions = key, tree, values, positions


class Raw:
    __slots__ = ("tree",)

    def __init__(self, tree):
        self.tree = tree


class Unreadable(Exception):
    pass


class ChunkReader:
    def __init__(self, chunk):
        self.c = chunk
        self.templates = {}

    def u8(self, p):
        return self.c[p]

    def u16(self, p):
        return struct.unpack_from("<H", self.c, p)[0]

    def u32(self, p):
        return struct.unpack_from("<I", self.c, p)[0]

    def name_at(self, off):
        if off + 8 > len(self.c):
            raise Unreadable("name")
        n = self.u16(off + 6)
        return self.c[off + 8:off + 8 + 2 * n].decode("utf-16-le", "replace")

    def name_ref(self, p):
        off = self.u32(p)
        p += 4
        name = self.name_at(off)
        if off == p:
            p += 10 + 2 * self.u16(off + 6)
        return name, p

    def utf16(self, p):
        n = self.u16(p)
        return self.c[p + 2:p + 2 + 2 * n].decode("utf-16-le", "replace"), p + 2 + 2 * n

    def parts(self, p, end, out):
        while p < end:
            t = self.c[p]
            if t in (0x05, 0x45):
                if self.c[p + 1] != 0x01:
                    raise Unreadable("value type")
                text, p = self.utf16(p + 2)
                out.append(("text", text))
            elif t in (0x0d, 0x0e):
                out.append(("sub", self.u16(p + 1), self.c[p + 3], t == 0x0e))
                p += 4
            elif t in (0x08, 0x48):
                out.append(("charref", self.u16(p + 1)))
                p += 3
            elif t in (0x09, 0x49):
                name, p = self.name_ref(p + 1)
                out.append(("entity", name))
            elif t in (0x07, 0x47):
                text, p = self.utf16(p + 1)
                out.append(("cdata", text))
            else:
                return p
        return p

    def element(self, p, end, dep, depth=0):
        if depth > 64:
            raise Unreadable("depth")
        token = self.c[p]
        p += 1
        if dep:
            p += 2
        p += 4
        name, p = self.name_ref(p)
        el = Element(name)
        if token & 0x40:
            p += 4
            while p < end and self.c[p] in (0x06, 0x46):
                aname, p = self.name_ref(p + 1)
                value = []
                p = self.parts(p, end, value)
                el.attrs.append((aname, value))
        close = self.c[p]
        p += 1
        if close == 0x03:
            return el, p
        if close != 0x02:
            raise Unreadable("close")
        while p < end:
            t = self.c[p]
            if t in (0x01, 0x41):
                child, p = self.element(p, end, dep, depth + 1)
                el.content.append(child)
            elif t == 0x04:
                return el, p + 1
            else:
                q = self.parts(p, end, el.content)
                if q == p:
                    raise Unreadable("token %#x" % t)
                p = q
        raise Unreadable("unclosed")

    def template(self, off):
        if off not in self.templates:
            guid = bytes(self.c[off + 4:off + 20])
            size = self.u32(off + 20)
            p, end = off + 24, min(off + 24 + size, len(self.c))
            if self.c[p] == 0x0f:
                p += 4
            tree, _ = self.element(p, end, True)
            self.templates[off] = (guid + zlib.crc32(repr(serialise(tree)).encode()).to_bytes(4, "little"), tree)
        return self.templates[off]

    def document(self, p, end):
        while p < end and self.c[p] == 0x0f:
            p += 4
        if p >= end:
            raise Unreadable("empty")
        if self.c[p] == 0x0c:
            off = self.u32(p + 6)
            p += 10
            if off == p:
                p += 24 + self.u32(p + 20)
            key, tree = self.template(off)
            count = self.u32(p)
            p += 4
            descriptors = [(self.u16(p + 4 * i), self.c[p + 4 * i + 2]) for i in range(count)]
            p += 4 * count
            values, positions = [], []
            for size, vtype in descriptors:
                if p + size > end:
                    raise Unreadable("values")
                positions.append(p)
                if vtype == 0x21 and size > 0:
                    values.append((vtype, self.document(p, p + size)))
                else:
                    values.append((vtype, bytes(self.c[p:p + size])))
                p += size
            return Instance(key, tree, values, positions)
        if self.c[p] in (0x01, 0x41):
            tree, _ = self.element(p, end, False)
            return Raw(tree)
        raise Unreadable("token")


def serialise(tree):
    if isinstance(tree, Element):
        return (tree.name, [(n, v) for n, v in tree.attrs], [serialise(c) for c in tree.content])
    return tree


def serialise(tree):
    if isinstance(tree, Element):
        return (tree.name, [(n, v) for n, v in tree.attrs], [serialise(c) for c in tree.content])
    return tree


def read_sources(folder):
    """Every readable record of every file: (instance, source file name)."""
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "*.evtx"))):
        data = open(path, "rb").read()
        for off in range(HEADER_BLOCK, len(data) - CHUNK + 1, CHUNK):
            chunk = data[off:off + CHUNK]
            if chunk[:8] != b"ElfChnk\0":
                continue
            reader = ChunkReader(chunk)
            free = struct.unpack_from("<I", chunk, 48)[0]
            p = 512
            while p + 28 <= min(free, CHUNK):
                sig, size = struct.unpack_from("<II", chunk, p)
                if sig != 0x2a2a or size < 28 or p + size > CHUNK or struct.unpack_from("<I", chunk, p + size - 4)[0] != size:
                    break
                try:
                    doc = reader.document(p + 24, p + size - 4)
                    if isinstance(doc, Instance) and system_slots(doc.tree):
                        records.append((doc, os.path.basename(path)))
                except (Unreadable, IndexError, struct.error):
                    pass
                p += size
    return records


def child(el, name):
    for c in el.content:
        if isinstance(c, Element) and c.name == name:
            return c
    return None


def system_slots(tree):
    """Where EventRecordID, TimeCreated/@SystemTime, Channel and Computer are: a substitution
    index, or "text" where the template has them as text (older logs write Channel and Computer
    into the template)."""
    system = child(tree, "System") if tree.name == "Event" else None
    if system is None:
        return None
    slots = {}
    for name in ("EventRecordID", "Channel", "Computer"):
        el = child(system, name)
        if el is None or len(el.content) != 1 or not isinstance(el.content[0], tuple):
            continue
        if el.content[0][0] == "sub":
            slots[name] = el.content[0][1]
        elif el.content[0][0] == "text" and name != "EventRecordID":
            slots[name] = "text"
    tc = child(system, "TimeCreated")
    if tc is not None:
        for aname, value in tc.attrs:
            if aname == "SystemTime" and len(value) == 1 and value[0][0] == "sub":
                slots["TimeCreated"] = value[0][1]
    return slots if len(slots) == 4 else None


# --- writing ------------------------------------------------------------------------------------


class ChunkFull(Exception):
    pass


class ChunkWriter:
    def __init__(self):
        self.buf = bytearray(512)
        self.names = {}
        self.templates = {}
        self.first = self.last = None
        self.last_record = 0

    def name(self, out, base, name):
        off = self.names.get(name)
        if off is not None:
            out += struct.pack("<I", off)
            return
        off = base + len(out) + 4
        self.names[name] = off
        encoded = name.encode("utf-16-le")
        out += struct.pack("<IIHH", off, 0, zlib.crc32(encoded) & 0xFFFF, len(name)) + encoded + b"\0\0"

    def parts(self, out, base, parts):
        for part in parts:
            kind = part[0]
            if kind == "text":
                out += b"\x05\x01" + struct.pack("<H", len(part[1])) + part[1].encode("utf-16-le")
            elif kind == "sub":
                out += struct.pack("<BHB", 0x0e if part[3] else 0x0d, part[1], part[2])
            elif kind == "charref":
                out += struct.pack("<BH", 0x08, part[1])
            elif kind == "entity":
                out.append(0x09)
                self.name(out, base, part[1])
            else:
                out.append(0x07)
                out += struct.pack("<H", len(part[1])) + part[1].encode("utf-16-le")

    def element(self, out, base, el, dep):
        out.append(0x41 if el.attrs else 0x01)
        if dep:
            out += b"\xff\xff"
        size_at = len(out)
        out += b"\0\0\0\0"
        self.name(out, base, el.name)
        if el.attrs:
            list_at = len(out)
            out += b"\0\0\0\0"
            for i, (aname, value) in enumerate(el.attrs):
                out.append(0x46 if i + 1 < len(el.attrs) else 0x06)
                self.name(out, base, aname)
                self.parts(out, base, value)
            struct.pack_into("<I", out, list_at, len(out) - list_at - 4)
        if not el.content:
            out.append(0x03)
        else:
            out.append(0x02)
            for c in el.content:
                if isinstance(c, Element):
                    self.element(out, base, c, dep)
                else:
                    self.parts(out, base, [c])
            out.append(0x04)
        struct.pack_into("<I", out, size_at, len(out) - size_at - 4)

    def document(self, base, doc):
        out = bytearray(b"\x0f\x01\x01\x00")
        if isinstance(doc, Raw):
            self.element(out, base, doc.tree, False)
            out.append(0x00)
            return out
        out += b"\x0c\x01" + doc.key[:4]
        off = self.templates.get(doc.key)
        if off is not None:
            out += struct.pack("<I", off)
        else:
            off = base + len(out) + 4
            self.templates[doc.key] = off
            out += struct.pack("<II", off, 0) + doc.key[:16]
            size_at = len(out)
            out += b"\0\0\0\0"
            body = len(out)
            out += b"\x0f\x01\x01\x00"
            self.element(out, base, doc.tree, True)
            out.append(0x00)
            struct.pack_into("<I", out, size_at, len(out) - body)
        out += struct.pack("<I", len(doc.values))
        descriptors_at = len(out)
        out += b"\0" * (4 * len(doc.values))
        for i, (vtype, value) in enumerate(doc.values):
            data = self.document(base + len(out), value) if isinstance(value, (Instance, Raw)) else value
            struct.pack_into("<HBB", out, descriptors_at + 4 * i, len(data), vtype, 0)
            out += data
        return out

    def record(self, number, written, doc):
        start = len(self.buf)
        binxml = self.document(start + 24, doc)
        size = (24 + len(binxml) + 4 + 7) // 8 * 8  # records are 8-byte aligned, zeros before the size's copy
        if start + size > CHUNK:
            raise ChunkFull()
        padding = bytes(size - 28 - len(binxml))
        self.buf += struct.pack("<IIQQ", 0x2a2a, size, number, written) + binxml + padding + struct.pack("<I", size)
        self.first = number if self.first is None else self.first
        self.last = number
        self.last_record = start

    def finish(self):
        free = len(self.buf)
        out = bytearray(self.buf) + bytes(CHUNK - len(self.buf))
        out[0:8] = b"ElfChnk\0"
        struct.pack_into("<QQQQIII", out, 8, self.first, self.last, self.first, self.last, 128, self.last_record, free)
        struct.pack_into("<I", out, 52, zlib.crc32(bytes(out[512:free])))
        struct.pack_into("<I", out, 124, zlib.crc32(bytes(out[:120]) + bytes(out[128:512])))
        return bytes(out)


def file_header(chunks, next_record):
    out = bytearray(HEADER_BLOCK)
    struct.pack_into("<8sQQQIHHHH", out, 0, b"ElfFile\0", 0, chunks - 1, next_record, 128, 1, 3, HEADER_BLOCK, chunks & 0xFFFF)
    struct.pack_into("<I", out, 124, zlib.crc32(bytes(out[:120])))
    return bytes(out)


# --- the Exchange events ------------------------------------------------------------------------


def classic_template(data_count):
    """Event/System as Windows writes a classic (ReportEvent) event, EventData of unnamed <Data>."""
    def sub(i, t, optional=False):
        return ("sub", i, t, optional)

    def el(name, attrs=(), content=()):
        e = Element(name)
        e.attrs, e.content = list(attrs), list(content)
        return e
    system = el("System", content=[
        el("Provider", [("Name", [sub(0, 0x01)])]),
        el("EventID", [("Qualifiers", [sub(1, 0x06, True)])], [sub(2, 0x06)]),
        el("Level", content=[sub(3, 0x04)]),
        el("Task", content=[sub(4, 0x06)]),
        el("Keywords", content=[sub(5, 0x15)]),
        el("TimeCreated", [("SystemTime", [sub(6, 0x11)])]),
        el("EventRecordID", content=[sub(7, 0x0a)]),
        el("Channel", content=[sub(8, 0x01)]),
        el("Computer", content=[sub(9, 0x01)]),
        el("Security"),
    ])
    data = el("EventData", content=[el("Data", content=[sub(10 + i, 0x01)]) for i in range(data_count)])
    tree = el("Event", [("xmlns", [("text", "http://schemas.microsoft.com/win/2004/08/events/event")])], [system, data])
    return tree


def utf16z(text):
    return text.encode("utf-16-le") + b"\0\0"


def exchange_event(kind, rng):
    """(provider, id, level, task, data strings) of one Exchange event of `kind`."""
    if kind == "1035-exchangeauth":
        peer = rng.choice(["10.0.0.21", "10.0.0.22", "10.0.0.23"])
        return "MSExchangeTransport", 1035, 3, 1, [rng.choice(["IllegalMessage", "UnexpectedExchangeAuthBlob"]), "Default EX1", "ExchangeAuth", peer]
    if kind == "1035-login":
        return "MSExchangeFrontEndTransport", 1035, 3, 1, ["LogonDenied", "Client Frontend EX1", "Login", "192.0.2.%d" % rng.randint(10, 250)]
    if kind == "2003":
        return "MSExchangeTransport", 2003, 3, 2, ["Intra-Organization SMTP Send Connector", "ex2.contoso.com", "454 4.7.0 Temporary authentication failure"]
    return "MSExchangeTransport", 2017, 2, 2, ["LogonDenied", "Intra-Organization SMTP Send Connector", "ExchangeAuth", "SMTPSVC/ex2.contoso.com"]


TEMPLATE_KEYS = {3: b"EXCH-CLASSIC-3..\x00\x00\x00\x03", 4: b"EXCH-CLASSIC-4..\x00\x00\x00\x04"}
TEMPLATES = {n: classic_template(n) for n in (3, 4)}


def exchange_instance(kind, rng, record_id, ticks):
    provider, event_id, level, task, data = exchange_event(kind, rng)
    values = [(0x01, utf16z(provider)), (0x06, struct.pack("<H", 32772 if level == 3 else 49152)), (0x06, struct.pack("<H", event_id)),
              (0x04, bytes([level])), (0x06, struct.pack("<H", task)), (0x15, struct.pack("<Q", 0x80000000000000)),
              (0x11, struct.pack("<Q", ticks)), (0x0a, struct.pack("<Q", record_id)), (0x01, utf16z("Application")),
              (0x01, utf16z("EX1.contoso.com"))] + [(0x01, utf16z(d)) for d in data]
    return Instance(TEMPLATE_KEYS[len(data)], TEMPLATES[len(data)], values)


# Shares per record of the Exchange events (a busy server: one failing peer every few minutes,
# users mistyping passwords at a similar rate): 0.45 % together, written 24 to a chunk.
SHARES = [("1035-exchangeauth", 0.0020), ("1035-login", 0.0015), ("2003", 0.0005), ("2017", 0.0005)]
EXCHANGE_PER_CHUNK = 24


def source_chunks(paths):
    """Each sound chunk of the sources with, per record, where its number, EventRecordID and
    TimeCreated are: [(file name, chunk bytes, [(record offset, id offset, time offset)])]."""
    out = []
    for path in paths:
        data = open(path, "rb").read()
        for off in range(HEADER_BLOCK, len(data) - CHUNK + 1, CHUNK):
            chunk = data[off:off + CHUNK]
            if chunk[:8] != b"ElfChnk\0" or zlib.crc32(chunk[:120] + chunk[128:512]) != struct.unpack_from("<I", chunk, 124)[0]:
                continue
            free = struct.unpack_from("<I", chunk, 48)[0]
            if free > CHUNK or zlib.crc32(chunk[512:free]) != struct.unpack_from("<I", chunk, 52)[0]:
                continue
            reader, records, p = ChunkReader(chunk), [], 512
            try:
                while p + 28 <= free:
                    sig, size = struct.unpack_from("<II", chunk, p)
                    if sig != 0x2a2a or size < 28 or p + size > free:
                        raise Unreadable("record")
                    doc = reader.document(p + 24, p + size - 4)
                    slots = system_slots(doc.tree) if isinstance(doc, Instance) else None
                    if not slots or not isinstance(slots.get("EventRecordID"), int):
                        raise Unreadable("no EventRecordID value")
                    positions = doc.positions
                    records.append((p, positions[slots["EventRecordID"]], positions[slots["TimeCreated"]]))
                    p += size
            except (Unreadable, IndexError, struct.error):
                continue  # only chunks whose every record can be renumbered
            if records:
                out.append((os.path.basename(path), chunk, records))
    return out


def renumbered(chunk, records, first_number, ticks, rng):
    """The chunk with its records numbered from `first_number` and times from `ticks` on."""
    out = bytearray(chunk)
    number = first_number
    for record, id_at, time_at in records:
        ticks += rng.randint(5_000_000, 40_000_000)  # 0.5 to 4 s between events
        struct.pack_into("<QQ", out, record + 8, number, ticks)
        struct.pack_into("<Q", out, id_at, number)
        struct.pack_into("<Q", out, time_at, ticks)
        number += 1
    last = number - 1
    struct.pack_into("<QQQQ", out, 8, first_number, last, first_number, last)
    free = struct.unpack_from("<I", out, 48)[0]
    struct.pack_into("<I", out, 52, zlib.crc32(bytes(out[512:free])))
    struct.pack_into("<I", out, 124, zlib.crc32(bytes(out[:120]) + bytes(out[128:512])))
    return bytes(out), last, ticks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, nargs="+", help="real .evtx files (libevtx must read them: they are the baseline's input too)")
    parser.add_argument("--mb", type=float, default=100, help="size to write, MiB")
    parser.add_argument("--out", required=True, help="the .evtx file to write")
    parser.add_argument("--seed", type=int, default=1035)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pool = source_chunks(args.source)
    if not pool:
        sys.exit("gen_evtx: no chunk of " + " ".join(args.source) + " can be renumbered")
    share = sum(s for _, s in SHARES)
    chunks_wanted = max(1, int(args.mb * 1048576 // CHUNK))
    counts = {k: 0 for k, _ in SHARES}
    sources = {}
    number = 0
    ticks = 133549344000000000  # 2024-03-15T00:00:00Z
    owed = 0.0  # Exchange events due at their share of the records written so far
    with open(args.out, "wb") as out:
        out.write(bytes(HEADER_BLOCK))
        for written in range(chunks_wanted):
            if owed >= EXCHANGE_PER_CHUNK:
                writer = ChunkWriter()
                for _ in range(EXCHANGE_PER_CHUNK):
                    draw, kind = rng.random() * share, None
                    for name, s in SHARES:
                        kind = name
                        if draw < s:
                            break
                        draw -= s
                    number += 1
                    ticks += rng.randint(5_000_000, 40_000_000)
                    writer.record(number, ticks, exchange_instance(kind, rng, number, ticks))
                    counts[kind] += 1
                out.write(writer.finish())
                owed -= EXCHANGE_PER_CHUNK
                continue
            name, chunk, records = pool[rng.randrange(len(pool))]
            data, number, ticks = renumbered(chunk, records, number + 1, ticks, rng)
            out.write(data)
            sources[name] = sources.get(name, 0) + len(records)
            owed += len(records) * share
        out.seek(0)
        out.write(file_header(chunks_wanted, number + 1))
    manifest = {
        "file": args.out, "bytes": os.path.getsize(args.out), "chunks": chunks_wanted, "records": number,
        "exchange_events": counts,
        # What AuthWatch must make of them (core/detection_rules.cpp): faults and noise.
        "expected_fault_signals": counts["1035-exchangeauth"] + counts["2003"] + counts["2017"],
        "expected_noise_signals": counts["1035-login"],
        "source_chunks": len(pool), "records_by_source": sources, "seed": args.seed,
    }
    json.dump(manifest, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
