#!/usr/bin/env python3
"""How far Python's standard library agrees with the shipped key vectors.

A measurement and a guide, not a second implementation: each case of vectors/keys.json is keyed the way a
Python client typically keys a node with what Python ships, and the result is compared with the vector's
key (or refusal). The glue is deliberately plain:

- an address string with "://" is read by urllib.parse.urlsplit (hostname, port); one that starts with "["
  is split at "]:"; any other at its last colon; an object gives its host and port;
- a port is int() of the string (or the number, which must be an integer), 1 to 65535; a missing port is
  the case's defaultPort option, else a refusal;
- a host in brackets loses them; ipaddress.ip_address() reads IP addresses (str() writes them); any other
  ASCII host is lowercased; a non-ASCII one is idna.encode(host, uts46=True) when the idna package is
  installed, and is not measured when it is not;
- the key is "host:port", "[host]:port" for IPv6.

No trimming, no legacy IPv4 forms, no localhost rule, no IPv4-mapped unwrapping, no percent-decoding and no
label checks: what is left to do beyond ipaddress and idna is what this report finds, section by section
(docs/canonical-form.md section 9.1 sums it up).

It also checks vectors/ring-vectors.json with hashlib's MD5: the ketama continuum its "scheme" describes,
built from each fleet's keys and weights, must give every owner the file lists.

The exit status is 0 whatever the agreement (the report is a measurement); it is not 0 only when the
script itself fails, a missing or unreadable vector file among the reasons.
"""

import bisect
import hashlib
import ipaddress
import json
import math
import re
import sys
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

try:
    import idna
except ImportError:  # the report says that names outside ASCII were not measured
    idna = None

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 4


class Refused(Exception):
    """Python's reading of the case refuses it (a ValueError of its own, or of the glue)."""


class NotMeasured(Exception):
    """The case needs a package that is not installed."""


def read_port(port, options):
    if port is None or port == "":
        if "defaultPort" in options:
            return options["defaultPort"]
        raise Refused("no port")
    if isinstance(port, bool):
        raise Refused("a boolean port")
    if isinstance(port, float):
        if not port.is_integer():
            raise Refused("a fractional port")
        port = int(port)
    try:
        number = int(port)
    except ValueError as error:
        raise Refused(str(error)) from error
    if not 1 <= number <= 65535:
        raise Refused("port out of range")
    return number


def read_host(host):
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return str(address), address.version == 6
    if host == "":
        raise Refused("empty host")
    if host.isascii():
        return host.lower(), False
    if idna is None:
        raise NotMeasured("idna is not installed")
    try:
        return idna.encode(host, uts46=True).decode("ascii"), False
    except (idna.IDNAError, UnicodeError, ValueError) as error:
        raise Refused(str(error)) from error


def split_address(text, options):
    if "://" in text:
        try:
            parts = urllib.parse.urlsplit(text)
            return parts.hostname or "", parts.port
        except ValueError as error:
            raise Refused(str(error)) from error
    if text.startswith("["):
        host, sep, port = text.partition("]:")
        if not sep:
            if text.endswith("]"):
                return text, None
            raise Refused("no ]: in a bracketed address")
        return host + "]", port
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, None
    return host, port


def python_key(case):
    options = case.get("options") or {}
    if "input" in case:
        given = case["input"]
        if isinstance(given, dict):
            host, port = given.get("host"), given.get("port")
        else:
            host, port = split_address(given, options)
    else:
        host, port = case["host"], case["port"]
    if not isinstance(host, str):
        raise Refused("host is not a string")
    host, v6 = read_host(host)
    port = read_port(port, options)
    return f"[{host}]:{port}" if v6 else f"{host}:{port}"


DOTTED_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def why(case, expected, got):
    """A short name for the way two keys differ, for the examples."""
    expected_host = expected.rsplit(":", 1)[0]
    got_host = got.rsplit(":", 1)[0]
    if "::ffff:" in got_host and "::ffff:" in expected_host:
        return "IPv4-mapped IPv6 written in hex (::ffff:102:304), where the key writes the dotted tail"
    if "::ffff:" in got_host:
        return "IPv4-mapped IPv6 kept, where the key unwraps it to IPv4"
    if expected_host == "127.0.0.1" and "localhost" in got_host:
        return "localhost kept as a name, where the default resolver makes it 127.0.0.1"
    if "%" in got_host and "%" in expected_host:
        return "IPv6 zone written differently (%25 escape, or kept as given)"
    if got_host.strip() != got_host:
        return "surrounding spaces or controls kept, where the key trims them"
    if got_host.rstrip(".") == expected_host.rstrip(".") and got_host != expected_host:
        return "trailing dot handled differently"
    if "%" in got_host:
        return "percent-encoding kept, where the key decodes it"
    if DOTTED_IPV4.match(expected_host) and not is_ip(got_host):
        return "a legacy IPv4 spelling (hex, octal, fewer parts) kept as a name"
    if got.rsplit(":", 1)[1] != expected.rsplit(":", 1)[1]:
        return "another port (a scheme's default port, or the keyer's)"
    return "another host"


def short(value, limit=60):
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_of(case):
    return ", ".join(f"{name} {short(case[name])}" for name in ("input", "host", "port", "options") if name in case)


def examples(found):
    """Up to EXAMPLES cases, from as many sections as there are: the first case of each section first."""
    picked, seen = [], set()
    for case, got in found:
        section = case["rule"].split(" ", 1)[0]
        if section not in seen:
            seen.add(section)
            picked.append((case, got))
    for entry in found:
        if len(picked) >= EXAMPLES:
            break
        if entry not in picked:
            picked.append(entry)
    return picked[:EXAMPLES]


def section_titles():
    titles = {}
    spec = (ROOT / "docs" / "canonical-form.md").read_text(encoding="utf-8")
    for match in re.finditer(r"^### (§\d+\.\d+) (.+)$", spec, re.M):
        titles[match.group(1)] = match.group(2)
    return titles


def check_keys():
    vectors = json.loads((ROOT / "vectors" / "keys.json").read_text(encoding="utf-8"))
    titles = section_titles()
    per_section = defaultdict(Counter)
    kinds = defaultdict(list)
    unmeasured = Counter()
    for case in vectors["cases"]:
        section = case["rule"].split(" ", 1)[0]
        expected = case.get("key")
        try:
            got = python_key(case)
        except NotMeasured:
            per_section[section]["not measured"] += 1
            unmeasured["key" if expected is not None else "error"] += 1
            continue
        except Refused as error:
            if expected is None:
                per_section[section]["agree"] += 1
            else:
                per_section[section]["disagree"] += 1
                kinds["refused by Python, keyed by the spec"].append((case, f"refused ({error})"))
            continue
        except (ValueError, UnicodeError) as error:
            # A ValueError the glue did not expect is a refusal too, named by its type.
            if expected is None:
                per_section[section]["agree"] += 1
            else:
                per_section[section]["disagree"] += 1
                kinds["refused by Python, keyed by the spec"].append((case, f"{type(error).__name__}: {error}"))
            continue
        if expected is None:
            per_section[section]["disagree"] += 1
            kinds["keyed by Python, refused by the spec"].append((case, got))
        elif got == expected:
            per_section[section]["agree"] += 1
        else:
            per_section[section]["disagree"] += 1
            kinds[f"keyed differently: {why(case, expected, got)}"].append((case, got))

    print(f"vectors/keys.json: {len(vectors['cases'])} cases (version {vectors['version']})")
    print()
    print("| section | cases | agree | disagree | not measured |")
    print("|---|--:|--:|--:|--:|")
    totals = Counter()
    order = lambda s: tuple(int(part) for part in s.lstrip("§").split("."))
    for section in sorted(per_section, key=order):
        counts = per_section[section]
        totals.update(counts)
        cases = sum(counts.values())
        title = titles.get(section, "")
        print(
            f"| {section} {title} | {cases} | {counts['agree']} | {counts['disagree']} | {counts['not measured']} |"
        )
    print(
        f"| all | {sum(totals.values())} | {totals['agree']} | {totals['disagree']} | {totals['not measured']} |"
    )
    keyed = sum(1 for case in vectors["cases"] if "key" in case)
    wrong_keys = sum(len(found) for kind, found in kinds.items() if not kind.startswith("keyed by Python"))
    refusals = len(vectors["cases"]) - keyed
    accepted = len(kinds.get("keyed by Python, refused by the spec", []))
    print()
    keyed_note = f" ({unmeasured['key']} not measured)" if unmeasured["key"] else ""
    refused_note = f" ({unmeasured['error']} not measured)" if unmeasured["error"] else ""
    print(
        f"Of the {keyed} cases with a key, Python gives that key in {keyed - wrong_keys - unmeasured['key']}"
        f"{keyed_note}; of the {refusals} refusals, it refuses {refusals - accepted - unmeasured['error']} "
        f"and keys {accepted}{refused_note}."
    )
    print()
    print("Disagreements by kind, with a few examples (the call, the vector's answer, Python's):")
    for kind, found in sorted(kinds.items(), key=lambda item: -len(item[1])):
        sections = Counter(case["rule"].split(" ", 1)[0] for case, _ in found)
        where = ", ".join(f"{section} {count}" for section, count in sections.most_common(6))
        print(f"- {kind}: {len(found)} ({where})")
        if kind.startswith("keyed by Python"):
            reasons = Counter(case["error"] for case, _ in found)
            print("    the vector's reasons: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common()))
        for case, got in examples(found):
            answer = short(case["key"]) if "key" in case else f"error {case.get('error')}"
            print(f"    {call_of(case)} -> {answer}; Python: {short(got)}")
    return totals


def check_ring():
    """The ketama continuum of ring-vectors.json's scheme, with hashlib: owners agreeing with the file."""
    vectors = json.loads((ROOT / "vectors" / "ring-vectors.json").read_text(encoding="utf-8"))
    agree = disagree = points_wrong = 0
    for fleet in vectors["fleets"]:
        servers = sorted(fleet["servers"], key=lambda server: server["key"].encode("utf-16-be"))
        total = 0.0
        for server in servers:
            total += server["weight"]
        points = []
        for rank, server in enumerate(servers):
            digests = math.floor(server["weight"] / total * 40 * len(servers))
            for i in range(digests):
                digest = hashlib.md5(f"{server['key']}-{i}".encode("utf-8")).digest()
                for j in range(4):
                    points.append((int.from_bytes(digest[4 * j : 4 * j + 4], "little"), rank))
        points.sort()
        if len(points) != fleet["points"]:
            points_wrong += 1
        values = [point for point, _ in points]
        for entry in fleet["owners"]:
            h = int.from_bytes(hashlib.md5(entry["key"].encode("utf-8")).digest()[:4], "little")
            at = bisect.bisect_left(values, h)
            owner = servers[points[at % len(points)][1]]["key"]
            if owner == entry["owner"]:
                agree += 1
            else:
                disagree += 1
    owners = agree + disagree
    print()
    print(
        f"vectors/ring-vectors.json with hashlib.md5: {owners} owners in {len(vectors['fleets'])} fleets, "
        f"{agree} agree, {disagree} disagree; continuum sizes wrong in {points_wrong} fleets"
    )
    return disagree + points_wrong


def main():
    version = sys.version.split()[0]
    found = f"idna {idna.__version__}" if idna is not None else "idna not installed: non-ASCII names not measured"
    print(f"Python {version}; ipaddress (standard library); {found}")
    print()
    check_keys()
    check_ring()
    return 0


if __name__ == "__main__":
    sys.exit(main())
