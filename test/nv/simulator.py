#!/usr/bin/env python3
"""A Nummervoorziening simulator for eckid's tests (issue 14).

Serves the operations of ../shared/reference/nummervoorziening/eckid.wsdl as
SOAP 1.1 document/literal over HTTPS with mutual TLS, checks the WS-Addressing
headers the Edukoppeling profile demands (Action, MessageID, To, From with the
OIN), answers with deterministic values, applies replacements from their
effective date, runs batches with a delay, and fails on demand through a
plain-HTTP control port on 127.0.0.1.  Python 3 standard library only.

  simulator.py serve --cert server.crt --key server.key --ca ca.crt --oin OIN
                     [--secret S] [--batch-delay SEC] [--result-ttl SEC]
                     [--daily-limit N] [--poison HPGN]... [--ready-file F]
  simulator.py ctl ADMIN_PORT [JSON]   (POST JSON to /control, or GET /counters)

docs/nummervoorziening.md describes the values and the control interface.
The log never shows a full HPgn, Stampseudonym or ECK iD, only the segment
and the last six hex digits, as eckid.mask() does.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
SID = "http://ketenid.nl/eck/schemas/v1_0"
ENDPOINT_PATH = "/eck/ws/201703"
STAMP_PREFIX = "https://ketenid.nl/sppilot/"
ECKID_PREFIX = "https://ketenid.nl/pilot/"
# The reference tests' chain and PO sector, plus the VO sector of Edurep's
# vocabulary and a second chain, so that "another sector gives another ECK iD"
# can be tested.
CHAINS = {
    "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795":
        ("Testketen", "The chain of Kennisnet's reference tests"),
    "http://purl.edustandaard.nl/begrippenkader/00000000-0000-4000-8000-00000000eck2":
        ("Simulatorketen", "A second chain that only the simulator knows"),
}
SECTORS = {
    "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725":
        ("PO", "Primair onderwijs"),
    "http://purl.edustandaard.nl/begrippenkader/2a1401e9-c223-493b-9b86-78f6993b1a8d":
        ("VO", "Voortgezet onderwijs"),
}
OPERATIONS = ("ping", "retrieveStampseudonym", "retrieveEckId", "submitStampseudonymBatch",
              "submitEckIdBatch", "retrieveBatch", "replaceStampseudonym", "retrieveChains",
              "retrieveSectors")
HPGN_RE = re.compile(r"^[0-9a-f]{64}$")
PSEUDONYM_RE = re.compile(r"^https://ketenid\.nl/[a-z0-9]+/[0-9a-f]{128}$")
MAX_REQUEST = 16 * 1024 * 1024
HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")


def mask(text):
    """Every long hex run shown as its last six digits (segment kept)."""
    return HEX_RUN.sub(lambda m: "\u2026" + m.group(0)[-6:], str(text))


def log(msg):
    sys.stderr.write("nv-simulator: %s\n" % mask(msg))
    sys.stderr.flush()


class Fault(Exception):
    """A SOAP fault: faultactor names the condition, as the real service does."""

    def __init__(self, actor, string, code="soap:Client"):
        super().__init__(string)
        self.actor, self.string, self.code = actor, string, code


class State:
    """Everything the simulator knows, behind one lock (requests come from
    several threads at once)."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.secret = args.secret.encode()
        self.oin = args.oin
        self.batch_delay = args.batch_delay
        self.result_ttl = args.result_ttl
        self.daily_limit = args.daily_limit
        self.poisoned = set(args.poison or [])
        self.clock_offset = 0.0
        self.replacements = {}      # hpgnNew -> (hpgnOld, effective epoch seconds)
        self.batches = {}
        self.daily = (None, 0)      # (UTC date, submissions that day)
        self.injected = []          # [{"kind", "operation", "count", ...}]
        self.reset_counters()

    def reset_counters(self):
        self.counters = {"calls": {op: 0 for op in OPERATIONS}, "faults": {},
                         "batches_submitted": 0, "items_seen": 0, "handshake_failures": 0,
                         "dropped": 0, "refused_addressing": 0, "closed": 0}

    def now(self):
        return time.time() + self.clock_offset

    # -- deterministic values -------------------------------------------
    def mac(self, label, *parts):
        msg = (label + "\n" + "\n".join(parts)).encode()
        return hmac.new(self.secret, msg, hashlib.sha512).hexdigest()

    def resolve(self, hpgn):
        """The HPgn whose Stampseudonym hpgn has now: replacements in force
        are followed to the original (a cycle cannot arise, see replace)."""
        now = self.now()
        while hpgn in self.replacements and self.replacements[hpgn][1] <= now:
            hpgn = self.replacements[hpgn][0]
        return hpgn

    def stampseudonym(self, hpgn):
        return STAMP_PREFIX + self.mac("stampseudonym", self.resolve(hpgn))

    def eckid(self, stamp, chain, sector):
        return ECKID_PREFIX + self.mac("eckid", stamp, chain, sector)

    # -- injected trouble ------------------------------------------------
    def take(self, kind, op):
        """The first injection of this kind for op (or "*"), its count used."""
        for inj in self.injected:
            if inj["kind"] == kind and inj["operation"] in (op, "*") and inj["count"] != 0:
                if inj["count"] > 0:
                    inj["count"] -= 1
                return dict(inj)
        return None


def text_of(parent, name, required=True):
    el = parent.find("{%s}%s" % (SID, name))
    if el is None or el.text is None or el.text.strip() == "":
        if required:
            raise Fault("InvalidRequestException", "The element %s is missing or empty." % name)
        return None
    return el.text.strip()


def check_hpgn(value, what="hpgn"):
    if not HPGN_RE.match(value):
        raise Fault("InvalidHpgnException", "The %s is not 64 lowercase hexadecimal characters." % what)


def check_chain_sector(state, chain, sector):
    if chain not in CHAINS:
        raise Fault("InvalidChainException", "The chain is not known.")
    if sector not in SECTORS:
        raise Fault("InvalidSectorException", "The sector is not known.")


def parse_index(el):
    try:
        i = int(text_of(el, "index"))
    except ValueError:
        raise Fault("InvalidRequestException", "An index is not an integer.")
    if not -2**31 <= i < 2**31:
        raise Fault("InvalidRequestException", "An index is out of range for xsd:int.")
    return i


def sub(parent, name, text=None):
    el = ET.SubElement(parent, "{%s}%s" % (SID, name))
    if text is not None:
        el.text = text
    return el


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="seconds")


# -- operations: each takes the request element and returns the response ----
def op_ping(state, req):
    out = ET.Element("{%s}pingResponse" % SID)
    sub(out, "available", "true")
    sub(out, "applicationVersion", "2.0.0-simulator")
    sub(out, "systemTime", iso(state.now()))
    return out


def op_retrieveStampseudonym(state, req):
    hpgn = text_of(req, "hpgn")
    check_hpgn(hpgn)
    if hpgn in state.poisoned:
        raise Fault("InvalidHpgnException", "The hpgn cannot be processed.", "soap:Server")
    out = ET.Element("{%s}retrieveStampseudonymResponse" % SID)
    sub(out, "stampseudonym", state.stampseudonym(hpgn))
    return out


def op_retrieveEckId(state, req):
    stamp, chain, sector = text_of(req, "stampseudonym"), text_of(req, "chainId"), text_of(req, "sectorId")
    if not PSEUDONYM_RE.match(stamp):
        raise Fault("InvalidStampseudonymException", "The stampseudonym is not valid.")
    check_chain_sector(state, chain, sector)
    out = ET.Element("{%s}retrieveEckIdResponse" % SID)
    sub(out, "eckId", state.eckid(stamp, chain, sector))
    return out


def submit(state, kind, items, chain=None, sector=None):
    """Register a batch: its results are computed now and handed out after
    the delay, once."""
    if not items:
        raise Fault("InvalidRequestException", "The list is empty.")
    now = state.now()
    day = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    if state.daily[0] != day:
        state.daily = (day, 0)
    if state.daily_limit >= 0 and state.daily[1] >= state.daily_limit:
        raise Fault("LimitDailyBatchSubmissionsExceededException",
                    "The daily limit of batch submissions has been reached.")
    state.daily = (day, state.daily[1] + 1)
    success, failed, seen = [], [], set()
    for index, value in items:
        if index in seen:
            raise Fault("InvalidRequestException", "An index occurs more than once.")
        seen.add(index)
        if kind == "stampseudonym":
            if not HPGN_RE.match(value):
                failed.append((index, "The hPgn is not 64 lowercase hexadecimal characters."))
            elif value in state.poisoned:
                failed.append((index, "The hPgn cannot be processed."))
            else:
                success.append((index, state.stampseudonym(value)))
        else:
            if not PSEUDONYM_RE.match(value):
                failed.append((index, "The stampseudonym is not valid."))
            else:
                success.append((index, state.eckid(value, chain, sector)))
    bid = str(uuid.uuid4())
    state.batches[bid] = {"ready": now + state.batch_delay, "retrieved": False,
                          "expires": now + state.batch_delay + state.result_ttl,
                          "success": success, "failed": failed}
    state.counters["batches_submitted"] += 1
    state.counters["items_seen"] += len(items)
    log("batch %s: %d items, %d failed" % (bid[-6:], len(items), len(failed)))
    out = ET.Element("{%s}submitBatchResponse" % SID)
    sub(out, "batchIdentifier", bid)
    return out


def op_submitStampseudonymBatch(state, req):
    items = [(parse_index(el), text_of(el, "hPgn")) for el in req.findall("{%s}hpgnList" % SID)]
    return submit(state, "stampseudonym", items)


def op_submitEckIdBatch(state, req):
    items = [(parse_index(el), text_of(el, "stampseudonym"))
             for el in req.findall("{%s}stampseudonymList" % SID)]
    chain, sector = text_of(req, "chainId"), text_of(req, "sectorId")
    check_chain_sector(state, chain, sector)
    return submit(state, "eckid", items, chain, sector)


def op_retrieveBatch(state, req):
    bid = text_of(req, "batchIdentifier")
    batch = state.batches.get(bid)
    now = state.now()
    if batch is None:
        raise Fault("InvalidBatchIdentifierException", "The batch identifier is not known.")
    if now >= batch["expires"]:
        raise Fault("ContentRemovedException", "The result of the batch has been removed.")
    if batch["retrieved"]:
        raise Fault("ContentAlreadyRetrievedException", "The result of the batch has already been retrieved.")
    if now < batch["ready"]:
        raise Fault("NotFinishedException", "The batch is still being processed.")
    batch["retrieved"] = True
    success, failed = list(batch["success"]), list(batch["failed"])
    mangle = state.take("mangle", "retrieveBatch")
    if mangle:
        # An answer that does not match the batch one to one.
        lst = success if success else failed
        if mangle["mode"] == "missing":
            lst.pop()
        elif mangle["mode"] == "repeated":
            lst.append(lst[0])
        else:   # unknown: an index the batch does not have, instead of one it has
            lst[-1] = (max(i for i, _ in success + failed) + 1000, lst[-1][1])
    out = ET.Element("{%s}retrieveBatchResponse" % SID)
    for index, value in success:
        el = sub(out, "success")
        sub(el, "index", str(index))
        sub(el, "value", value)
    for index, message in failed:
        el = sub(out, "failed")
        sub(el, "index", str(index))
        sub(el, "errorMessage", message)
    return out


def op_replaceStampseudonym(state, req):
    old, new = text_of(req, "hpgnOld"), text_of(req, "hpgnNew")
    check_hpgn(old, "hpgnOld")
    check_hpgn(new, "hpgnNew")
    date = text_of(req, "effectiveDate", required=False)
    if date is None:
        effective = state.now()
    else:
        try:
            parsed = datetime.datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            raise Fault("InvalidRequestException", "The effectiveDate is not an xsd:dateTime.")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        effective = parsed.timestamp()
    # Follow every replacement, in force or not, from old: reaching new would
    # make a cycle, and a cycle has no original Stampseudonym.
    h, hops = old, 0
    while h in state.replacements and hops < 10000:
        if h == new:
            break
        h, hops = state.replacements[h][0], hops + 1
    if old == new or h == new:
        raise Fault("InvalidRequestException", "The replacement would make a cycle.")
    state.replacements[new] = (old, effective)
    out = ET.Element("{%s}replaceStampseudonymResponse" % SID)
    sub(out, "stampseudonym", state.stampseudonym(old))
    return out


def listing(name, entries):
    out = ET.Element("{%s}retrieve%ssResponse" % (SID, name.capitalize()))
    for ident, (short, description) in entries.items():
        el = sub(out, name)
        sub(el, "id", ident)
        sub(el, "name", short)
        sub(el, "description", description)
        sub(el, "lastEdited", "2017-03-01T00:00:00Z")
    return out


def op_retrieveChains(state, req):
    return listing("chain", CHAINS)


def op_retrieveSectors(state, req):
    return listing("sector", SECTORS)


HANDLERS = {op: globals()["op_" + op] for op in OPERATIONS}


def envelope(body_el, relates_to=None, action=None):
    env = ET.Element("{%s}Envelope" % SOAP)
    header = ET.SubElement(env, "{%s}Header" % SOAP)
    if action:
        ET.SubElement(header, "{%s}Action" % WSA).text = action
    ET.SubElement(header, "{%s}MessageID" % WSA).text = "urn:uuid:" + str(uuid.uuid4())
    if relates_to:
        ET.SubElement(header, "{%s}RelatesTo" % WSA).text = relates_to
    ET.SubElement(header, "{%s}To" % WSA).text = "http://www.w3.org/2005/08/addressing/anonymous"
    ET.SubElement(env, "{%s}Body" % SOAP).append(body_el)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(env, encoding="utf-8", xml_declaration=False)


def fault_element(fault):
    el = ET.Element("{%s}Fault" % SOAP)
    # faultcode's value is a QName in the envelope namespace; ElementTree
    # names that namespace "soap" below.
    ET.SubElement(el, "faultcode").text = fault.code
    ET.SubElement(el, "faultstring").text = fault.string
    ET.SubElement(el, "faultactor").text = fault.actor
    return el


ET.register_namespace("soap", SOAP)
ET.register_namespace("wsa", WSA)
ET.register_namespace("sid", SID)


class SoapHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nv-simulator"

    def log_message(self, fmt, *args):
        pass    # one line per call comes from do_POST, masked

    def reply(self, status, body, op):
        st = self.server.state
        with st.lock:
            latency = st.take("latency", op)
            drop = st.take("drop", op)
        if latency:
            time.sleep(latency["seconds"])
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drop:
            # Half the body, then the connection goes: the client sees a
            # truncated answer, as when a proxy dies mid-response.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            with st.lock:
                st.counters["dropped"] += 1
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)

    def do_GET(self):
        self.send_error(405, "Only POST is served.")

    def do_POST(self):
        st = self.server.state
        op = "?"
        relates = None
        try:
            if self.path != ENDPOINT_PATH:
                self.send_error(404, "No service here.")
                return
            length = int(self.headers.get("Content-Length", "-1"))
            if length < 0 or length > MAX_REQUEST:
                self.send_error(413, "The request is too large or has no length.")
                return
            raw = self.rfile.read(length)
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("text/xml"):
                raise Fault("InvalidRequestException", "The Content-Type is not text/xml (SOAP 1.1).")
            try:
                env = ET.fromstring(raw)
            except ET.ParseError:
                raise Fault("InvalidRequestException", "The request is not well-formed XML.")
            if env.tag != "{%s}Envelope" % SOAP:
                raise Fault("VersionMismatch", "The request is not a SOAP 1.1 envelope.", "soap:VersionMismatch")
            body = env.find("{%s}Body" % SOAP)
            if body is None or len(body) != 1:
                raise Fault("InvalidRequestException", "The SOAP body must hold exactly one element.")
            req = body[0]
            name = req.tag.split("}")[-1]
            if not req.tag.startswith("{%s}" % SID) or not name.endswith("Request"):
                raise Fault("InvalidRequestException", "The body is not a request of this service.")
            op = name[: -len("Request")]
            if op not in HANDLERS:
                raise Fault("InvalidRequestException", "The operation is not known.")
            with st.lock:
                http_error = st.take("http_error", op)
            if http_error:
                # What a proxy or a failing front end answers: not SOAP.
                page = b"<html><body>Service unavailable</body></html>"
                self.send_response(int(http_error.get("status", 503)))
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            with st.lock:
                close = st.take("close", op)
            if close:
                # The request read, then the connection closed without a
                # byte of answer, as a front end that gives up does.
                with st.lock:
                    st.counters["closed"] += 1
                log("%s: connection closed without an answer" % op)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            # A fault of WS-Addressing relates to the request too, when it
            # has a MessageID (Digikoppeling: every answer carries RelatesTo).
            msgid = env.find("{%s}Header/{%s}MessageID" % (SOAP, WSA))
            relates = (msgid.text or "").strip() or None if msgid is not None else None
            relates = self.check_addressing(env, op)
            with st.lock:
                wrong = st.take("relates_to", op)
            if wrong:
                # What a mixed-up proxy or a replay would answer.
                relates = None if wrong["mode"] == "missing" else "urn:uuid:" + str(uuid.uuid4())
            with st.lock:
                st.counters["calls"][op] += 1
                injected = st.take("fault", op)
                if injected:
                    raise Fault(injected["actor"], injected.get("string") or "Injected by the test.",
                                injected.get("code") or "soap:Server")
                result = HANDLERS[op](st, req)
            log("%s ok" % op)
            self.reply(200, envelope(result, relates, "%s/%sResponse" % (SID, op)), op)
        except Fault as f:
            with st.lock:
                st.counters["faults"][f.actor] = st.counters["faults"].get(f.actor, 0) + 1
            log("%s fault %s: %s" % (op, f.actor, f.string))
            self.reply(500, envelope(fault_element(f), relates, "http://www.w3.org/2005/08/addressing/soap/fault"), op)
        except (ConnectionError, ssl.SSLError, socket.timeout) as e:
            log("%s connection lost: %s" % (op, type(e).__name__))
            self.close_connection = True

    def check_addressing(self, env, op):
        """Edukoppeling's WS-Addressing: Action (and SOAPAction), MessageID,
        To and From/Address with the OIN; returns the MessageID."""
        st = self.server.state
        header = env.find("{%s}Header" % SOAP)

        def wsa(name):
            el = header.find("{%s}%s" % (WSA, name)) if header is not None else None
            return el

        def refuse(msg):
            with st.lock:
                st.counters["refused_addressing"] += 1
            raise Fault("WSAddressingException", msg)

        expected = "%s/%s" % (SID, op)
        action = wsa("Action")
        if action is None or (action.text or "").strip() != expected:
            refuse("The wsa:Action header is missing or does not name the operation.")
        soap_action = self.headers.get("SOAPAction", "").strip().strip('"')
        if soap_action != expected:
            refuse("The SOAPAction HTTP header does not match wsa:Action.")
        msgid = wsa("MessageID")
        if msgid is None or not (msgid.text or "").strip():
            refuse("The wsa:MessageID header is missing.")
        to = wsa("To")
        host = self.headers.get("Host", "")
        if to is None or (to.text or "").strip() != "https://%s%s" % (host, ENDPOINT_PATH):
            refuse("The wsa:To header does not name this endpoint.")
        frm = wsa("From")
        addr = frm.find("{%s}Address" % WSA) if frm is not None else None
        if addr is None or not (addr.text or "").strip():
            refuse("The wsa:From header with the OIN in its Address is missing.")
        if addr.text.strip() != st.oin:
            refuse("The OIN in wsa:From is not the one this client's certificate belongs to.")
        return msgid.text.strip()


class TlsServer(ThreadingHTTPServer):
    """The TLS handshake runs in the request's own thread, so a slow or
    refused client never holds up the others."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, context, state):
        super().__init__(addr, handler)
        self.context, self.state = context, state

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.state.lock:
                self.state.counters["handshake_failures"] += 1
            log("TLS handshake refused: %s" % (getattr(e, "reason", None) or type(e).__name__))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        log("request failed: %s" % sys.exc_info()[0].__name__)


class ControlHandler(BaseHTTPRequestHandler):
    """The tests' control port (plain HTTP, 127.0.0.1 only)."""

    def log_message(self, fmt, *args):
        pass

    def answer(self, obj, status=200):
        body = json.dumps(obj, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        if self.path != "/counters":
            self.answer({"error": "GET /counters or POST /control"}, 404)
            return
        with st.lock:
            self.answer(dict(st.counters, daily_submissions=st.daily[1]))

    def do_POST(self):
        st = self.server.state
        try:
            cmd = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            with st.lock:
                apply_control(st, cmd)
        except (ValueError, KeyError, TypeError) as e:
            self.answer({"error": "bad control command: %s" % e}, 400)
            return
        self.answer({"ok": True})


def apply_control(st, cmd):
    for key in cmd:
        if key not in ("fault", "latency", "drop", "http_error", "close", "relates_to", "mangle", "clear",
                       "batch_delay", "result_ttl", "daily_limit", "reset_daily", "advance_clock", "poison",
                       "reset_counters"):
            raise KeyError(key)
    for kind in ("fault", "latency", "drop", "http_error", "close", "relates_to", "mangle"):
        if kind in cmd:
            inj = dict(cmd[kind], kind=kind)
            inj.setdefault("operation", "*")
            inj.setdefault("count", 1)
            if inj["operation"] not in OPERATIONS + ("*",):
                raise ValueError("unknown operation %s" % inj["operation"])
            if kind == "fault" and "actor" not in inj:
                raise KeyError("actor")
            if kind == "relates_to" and inj.get("mode") not in ("missing", "other"):
                raise ValueError("relates_to mode must be missing or other")
            if kind == "mangle" and inj.get("mode") not in ("missing", "repeated", "unknown"):
                raise ValueError("mangle mode must be missing, repeated or unknown")
            if kind == "latency":
                inj["seconds"] = float(inj["seconds"])
            st.injected.append(inj)
    if cmd.get("clear"):
        st.injected = []
    for key in ("batch_delay", "result_ttl"):
        if key in cmd:
            setattr(st, key, float(cmd[key]))
    if "daily_limit" in cmd:
        st.daily_limit = int(cmd["daily_limit"])
    if cmd.get("reset_daily"):
        st.daily = (None, 0)
    if "advance_clock" in cmd:
        st.clock_offset += float(cmd["advance_clock"])
    if "poison" in cmd:
        st.poisoned.update(cmd["poison"])
    if cmd.get("reset_counters"):
        st.reset_counters()


def serve(args):
    state = State(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    soap = TlsServer(("127.0.0.1", args.port), SoapHandler, ctx, state)
    admin = ThreadingHTTPServer(("127.0.0.1", args.admin_port), ControlHandler)
    admin.daemon_threads = True
    admin.state = state
    ports = {"soap_port": soap.server_address[1], "admin_port": admin.server_address[1]}

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return: not from its thread.
        threading.Thread(target=lambda: (soap.shutdown(), admin.shutdown())).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            json.dump(ports, f)
        # Renamed into place so a reader never sees half a file.
        os.replace(args.ready_file + ".tmp", args.ready_file)
    print("ready soap_port=%d admin_port=%d" % (ports["soap_port"], ports["admin_port"]), flush=True)
    soap.serve_forever(poll_interval=0.2)
    soap.server_close()
    admin.server_close()
    log("stopped")


def ctl(args):
    url = "http://127.0.0.1:%d/%s" % (args.admin_port, "control" if args.json else "counters")
    data = args.json.encode() if args.json else None
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as r:
            print(r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.read().decode(), file=sys.stderr)
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sp = p.add_subparsers(dest="cmd", required=True)
    s = sp.add_parser("serve")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--ca", required=True, help="the CA whose client certificates are accepted")
    s.add_argument("--oin", required=True, help="the OIN wsa:From must carry")
    s.add_argument("--secret", default="eckid-nv-simulator", help="the HMAC key of every value")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--admin-port", type=int, default=0)
    s.add_argument("--batch-delay", type=float, default=2.0, help="seconds until a batch is finished")
    s.add_argument("--result-ttl", type=float, default=3600.0, help="seconds a finished result is kept")
    s.add_argument("--daily-limit", type=int, default=1000, help="batch submissions a day (-1: no limit)")
    s.add_argument("--poison", action="append", help="an HPgn that fails as a batch item")
    s.add_argument("--ready-file", help="write {soap_port, admin_port} here when ready")
    c = sp.add_parser("ctl")
    c.add_argument("admin_port", type=int)
    c.add_argument("json", nargs="?", help="a control command; without it, print the counters")
    args = p.parse_args()
    serve(args) if args.cmd == "serve" else ctl(args)


if __name__ == "__main__":
    main()
