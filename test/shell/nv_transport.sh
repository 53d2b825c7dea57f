#!/usr/bin/env bash
# The worker's transport to Nummervoorziening (issue 14, first part), end to
# end against test/nv/simulator.py over mutual TLS: eckid-nv-worker --check
# (a good configuration; a client certificate, an OIN and a server
# certificate that must be refused; a dropped connection; a timeout; a key
# readable by others) and every operation through the C client layer
# (worker/nv-call): values, batches with their faults, replacements with
# effective dates, the daily limit.  Expected values are computed here from
# the simulator's published formula (docs/nummervoorziening.md), not asked of
# the simulator.  Needs no database: runs alone (bash
# test/shell/nv_transport.sh) or from scripts/test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
source "$root/scripts/lib.sh"
install_missing_packages "${ECKID_WORKER_PACKAGES[@]}"
make -s -C "$root/worker" PG_CONFIG="$PG_CONFIG" all >/dev/null

worker=$root/worker/eckid-nv-worker
call=$root/worker/nv-call
sim=$root/test/nv/simulator.py
work=$(mktemp -d /tmp/eckid-nv-transport.XXXXXX)
sim_pids=()
cleanup() {
	local p i
	for p in "${sim_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	# Leave nothing running: wait for each to stop, KILL after 5 s.
	for p in "${sim_pids[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# check DESCRIPTION GOT EXPECTED
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi; }
# check_has DESCRIPTION TEXT PATTERN (a fixed string)
check_has() { if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: '$3' not in: $2"; fi; }

secret=nv-transport-test-secret
oin=00000001234567890000
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
po=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
vo=http://purl.edustandaard.nl/begrippenkader/2a1401e9-c223-493b-9b86-78f6993b1a8d
# Test HPgns: the Kennisnet vector and made-up ones; one the simulator is
# told to fail as a batch item.
h1=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa
h2=$(printf '%064x' 2)
h3=$(printf '%064x' 3)
h4=$(printf '%064x' 4)
h5=$(printf '%064x' 5)
poison=$(printf '%064x' 666)

# The simulator's values: HMAC-SHA512 with its secret (simulator.py
# State.mac), written out again here.
value() {
	python3 - "$secret" "$@" <<'PY'
import hashlib, hmac, sys
secret, kind, *parts = sys.argv[1:]
label, prefix = {"stamp": ("stampseudonym", "https://ketenid.nl/sppilot/"),
                 "eckid": ("eckid", "https://ketenid.nl/pilot/")}[kind]
msg = (label + "\n" + "\n".join(parts)).encode()
print(prefix + hmac.new(secret.encode(), msg, hashlib.sha512).hexdigest())
PY
}
# The masked form nv-call prints: everything up to the last '/', "…", the last six.
mask() { printf '%s\u2026%s\n' "${1%/*}/" "${1: -6}"; }

# start_sim NAME CERT KEY [OPTIONS...]: a simulator; sets ${NAME}_soap and ${NAME}_admin.
start_sim() {
	local name=$1 cert=$2 key=$3 i
	shift 3
	python3 "$sim" serve --cert "$cert" --key "$key" --ca "$work/certs/ca.crt" --oin "$oin" \
		--secret "$secret" --ready-file "$work/$name.ready" "$@" >"$work/$name.out" 2>"$work/$name.log" &
	sim_pids+=($!)
	for i in $(seq 100); do [ -s "$work/$name.ready" ] && break; sleep 0.1; done
	[ -s "$work/$name.ready" ] || { cat "$work/$name.log"; echo "FAIL: the simulator did not start"; exit 1; }
	printf -v "${name}_soap" '%s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["soap_port"])' "$work/$name.ready")"
	printf -v "${name}_admin" '%s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_port"])' "$work/$name.ready")"
}
ctl() { python3 "$sim" ctl "$sim_admin" "$@" >/dev/null; }
counter() { python3 "$sim" ctl "$sim_admin" | python3 -c "import json,sys; c=json.load(sys.stdin); print(eval(sys.argv[1], {}, c))" "$1"; }

# config FILE PORT [KEY=VALUE...]: a worker configuration for the simulator
# on PORT, with the good certificates unless overridden.
config() {
	local file=$1 port=$2
	shift 2
	{
		echo "# written by nv_transport.sh"
		echo "endpoint = 'https://localhost:$port/eck/ws/201703'"
		echo "client_cert = '$work/certs/client.crt'"
		echo "client_key = '$work/certs/client.key'"
		echo "ca_file = '$work/certs/ca.crt'"
		echo "oin = $oin"
		echo "connect_timeout = 2s"
		echo "request_timeout = 2s"
	} >"$file.base"
	local kv k
	for kv in "$@"; do
		k=${kv%%=*}
		sed -i "/^$k = /d" "$file.base"
		echo "$k = '${kv#*=}'" >>"$file.base"
	done
	mv "$file.base" "$file"
}

say "certificates and simulators"
bash "$root/test/nv/make_certs.sh" "$work/certs" >/dev/null
start_sim sim "$work/certs/server.crt" "$work/certs/server.key" --batch-delay 1 --poison "$poison"
start_sim other "$work/certs/other-server.crt" "$work/certs/other-server.key"
config "$work/good.conf" "$sim_soap"

say "the simulator refuses what the real service refuses"
# Raw requests with one header wrong at a time, so that the worker's passing
# calls below prove it sends every header right.
out=$(python3 - "$sim_soap" "$work/certs" "$oin" <<'PY'
import ssl, sys, urllib.request, urllib.error, re
port, certs, oin = sys.argv[1:]
ctx = ssl.create_default_context(cafile=certs + "/ca.crt")
ctx.load_cert_chain(certs + "/client.crt", certs + "/client.key")
url = "https://localhost:%s/eck/ws/201703" % port
ns = "http://ketenid.nl/eck/schemas/v1_0"
def send(action=ns + "/ping", soap_action=None, msgid="urn:uuid:1", to=url, frm=oin,
         env="http://schemas.xmlsoap.org/soap/envelope/"):
    h = "".join("<a:%s>%s</a:%s>" % (k, v, k) for k, v in
                (("Action", action), ("MessageID", msgid), ("To", to)) if v is not None)
    if frm is not None:
        h += "<a:From><a:Address>%s</a:Address></a:From>" % frm
    body = ('<s:Envelope xmlns:s="%s" xmlns:a="http://www.w3.org/2005/08/addressing">'
            '<s:Header>%s</s:Header><s:Body><e:pingRequest xmlns:e="%s"/></s:Body></s:Envelope>' % (env, h, ns))
    req = urllib.request.Request(url, body.encode(), {"Content-Type": "text/xml; charset=utf-8",
                                 "SOAPAction": '"%s"' % (soap_action or action or "")})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            return "%d ok" % r.status
    except urllib.error.HTTPError as e:
        m = re.search(r"<faultactor>(.*?)</faultactor>", e.read().decode())
        return "%d %s" % (e.code, m.group(1) if m else "no fault")
print("good:", send())
print("no Action:", send(action=None, soap_action=ns + "/ping"))
print("SOAPAction differs:", send(soap_action=ns + "/retrieveChains"))
print("no MessageID:", send(msgid=None))
print("To another endpoint:", send(to="https://example.org/eck/ws/201703"))
print("no From:", send(frm=None))
print("SOAP 1.2:", send(env="http://www.w3.org/2003/05/soap-envelope"))
PY
)
check "the simulator's own checks of a raw request" "$out" "good: 200 ok
no Action: 500 WSAddressingException
SOAPAction differs: 500 WSAddressingException
no MessageID: 500 WSAddressingException
To another endpoint: 500 WSAddressingException
no From: 500 WSAddressingException
SOAP 1.2: 500 VersionMismatch"

say "eckid-nv-worker --check"
set +e
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check "--check against the simulator exits 0" "$rc" 0
check_has "--check prints the service's version" "$out" "available, applicationVersion 2.0.0-simulator, systemTime "

config "$work/wrong-client.conf" "$sim_soap" client_cert="$work/certs/other-client.crt" client_key="$work/certs/other-client.key"
before=$(counter handshake_failures)
out=$("$worker" --check "$work/wrong-client.conf" 2>&1); rc=$?
check "a client certificate of another CA: --check exits 1" "$rc" 1
# TLS 1.3 ends the handshake on the client's side before the service has
# checked the certificate: the refusal comes before the request is sent
# (with TLS 1.2 the handshake itself fails).  Either way it says so.
check_has "a client certificate of another CA: a TLS error" "$out" "https://localhost:$sim_soap/eck/ws/201703"
check_has "a client certificate of another CA: says the certificate may be refused" "$out" "client certificate)"
if grep -qF "closed the connection after the request was sent" <<<"$out"; then fail "a refused certificate: reported as a closed connection"; else pass "a refused certificate: not reported as a closed connection"; fi
check "a client certificate of another CA: the simulator refused the handshake" "$(counter handshake_failures)" $((before + 1))

config "$work/wrong-oin.conf" "$sim_soap" oin=00000009999999990000
out=$("$worker" --check "$work/wrong-oin.conf" 2>&1); rc=$?
check "another OIN: --check exits 1" "$rc" 1
check_has "another OIN: the simulator's fault" "$out" "ping was answered with a fault (Other, faultactor WSAddressingException)"

config "$work/other-server.conf" "$other_soap"
out=$("$worker" --check "$work/other-server.conf" 2>&1); rc=$?
check "a server certificate of another CA: --check exits 1" "$rc" 1
check_has "a server certificate of another CA: refused by the worker" "$out" "the server certificate of https://localhost:$other_soap/eck/ws/201703 was refused"

ctl '{"drop": {"operation": "ping", "count": 1}}'
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check "a connection dropped mid-answer: --check exits 1" "$rc" 1
check_has "a connection dropped mid-answer: said so" "$out" "closed before the whole answer arrived"

ctl '{"close": {"operation": "ping", "count": 1}}'
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check "a connection closed without an answer: --check exits 1" "$rc" 1
check_has "a connection closed without an answer: said so" "$out" "the service at https://localhost:$sim_soap/eck/ws/201703 closed the connection after the request was sent, without an answer"
if grep -qF "client certificate" <<<"$out"; then fail "a closed connection: blamed on the certificate"; else pass "a closed connection: not blamed on the certificate"; fi

ctl '{"latency": {"operation": "ping", "count": 1, "seconds": 4}}'
start=$SECONDS
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check "an answer slower than request_timeout: --check exits 1" "$rc" 1
check_has "an answer slower than request_timeout: a timeout" "$out" "timed out"
[ $((SECONDS - start)) -le 3 ] && pass "the timeout took at most 3 s" || fail "the timeout took $((SECONDS - start)) s"

ctl '{"http_error": {"operation": "ping", "count": 1, "status": 503}}'
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check "HTTP 503 with an HTML page: --check exits 1" "$rc" 1
check_has "HTTP 503 with an HTML page: said so" "$out" "answered HTTP 503 to ping instead of a SOAP response."
ctl '{"http_error": {"operation": "ping", "count": 1, "status": 500}}'
out=$("$worker" --check "$work/good.conf" 2>&1); rc=$?
check_has "HTTP 500 without a SOAP fault: said so" "$rc/$out" "answered HTTP 500 without a usable SOAP fault: the response of ping is not a SOAP 1.1 envelope."

config "$work/open-key.conf" "$sim_soap" client_key="$work/open.key"
cp "$work/certs/client.key" "$work/open.key"
chmod 644 "$work/open.key"
out=$("$worker" --check "$work/open-key.conf" 2>&1); rc=$?
check "a key readable by others: --check exits 1" "$rc" 1
check_has "a key readable by others: said so" "$out" "has group or world access"

"$worker" --check "$work/good.conf" >/dev/null 2>&1
check "after all that, --check passes again" "$?" 0

say "every operation through the client layer"
c=$work/good.conf
s1=$(value stamp "$h1"); s2=$(value stamp "$h2"); s3=$(value stamp "$h3"); s4=$(value stamp "$h4")
check "retrieveStampseudonym" "$("$call" "$c" retrieveStampseudonym "$h1")" "value $(mask "$s1")"
out=$("$call" "$c" retrieveStampseudonym "${h1^^}"); rc=$?
check "retrieveStampseudonym of an HPgn in capitals: a fault" "$rc/$out" "1/fault Other InvalidHpgnException: The hpgn is not 64 lowercase hexadecimal characters."
check "retrieveEckId (PO)" "$("$call" "$c" retrieveEckId "$s1" "$chain" "$po")" "value $(mask "$(value eckid "$s1" "$chain" "$po")")"
check "retrieveEckId (VO)" "$("$call" "$c" retrieveEckId "$s1" "$chain" "$vo")" "value $(mask "$(value eckid "$s1" "$chain" "$vo")")"
out=$("$call" "$c" retrieveEckId "$s1" "$chain" "${po}x"); rc=$?
check "retrieveEckId with an unknown sector: a fault" "$rc/$out" "1/fault Other InvalidSectorException: The sector is not known."
check_has "retrieveChains" "$("$call" "$c" retrieveChains)" "entry $chain Testketen"
check_has "retrieveSectors" "$("$call" "$c" retrieveSectors)" "entry $vo VO"
check "ping" "$("$call" "$c" ping | cut -d' ' -f1-3)" "ping true 2.0.0-simulator"

ctl '{"reset_counters": true}'
batch=$("$call" "$c" submitStampseudonymBatch "10:$h1" "11:$h2" "-12:not-a-hpgn" "13:$poison")
case $batch in "batch "*) pass "submitStampseudonymBatch gives a batch identifier" ;; *) fail "submitStampseudonymBatch: $batch" ;; esac
batch=${batch#batch }
out=$("$call" "$c" retrieveBatch "$batch"); rc=$?
check "retrieveBatch before the delay: NotFinished" "$rc/$out" "1/fault NotFinished NotFinishedException: The batch is still being processed."
sleep 1.1
check "retrieveBatch after the delay: indices and values as submitted, failures with a message" \
	"$("$call" "$c" retrieveBatch "$batch")" "$(printf 'success 10 %s\nsuccess 11 %s\nfailed -12 %s\nfailed 13 %s' \
	"$(mask "$s1")" "$(mask "$s2")" "The hPgn is not 64 lowercase hexadecimal characters." "The hPgn cannot be processed.")"
out=$("$call" "$c" retrieveBatch "$batch"); rc=$?
check "retrieveBatch a second time: AlreadyRetrieved" "$rc/$out" "1/fault AlreadyRetrieved ContentAlreadyRetrievedException: The result of the batch has already been retrieved."
out=$("$call" "$c" retrieveBatch "no-such-batch"); rc=$?
check "retrieveBatch of an unknown batch: a fault" "$rc/$out" "1/fault Other InvalidBatchIdentifierException: The batch identifier is not known."
out=$("$call" "$c" submitStampseudonymBatch 2>&1); rc=$?
check "an empty batch is refused by the client before sending" "$rc/$out" "2/nv-call: the submitStampseudonymBatch request needs at least one item."
check "the simulator counted one batch of four items" "$(counter 'batches_submitted, items_seen')" "(1, 4)"
check "the simulator counted four retrieveBatch calls" "$(counter 'calls["retrieveBatch"]')" 4

batch=$("$call" "$c" submitEckIdBatch "$chain" "$po" "1:$s1" "2:$s2" "3:https://ketenid.nl/sppilot/short")
batch=${batch#batch }
ctl '{"fault": {"operation": "retrieveBatch", "count": 1, "actor": "TemporaryBlockedException"}}'
sleep 1.1
out=$("$call" "$c" retrieveBatch "$batch"); rc=$?
check "retrieveBatch when blocked: TemporaryBlocked" "$rc/$out" "1/fault TemporaryBlocked TemporaryBlockedException: Injected by the test."
check "submitEckIdBatch, retrieved after the block" "$("$call" "$c" retrieveBatch "$batch")" \
	"$(printf 'success 1 %s\nsuccess 2 %s\nfailed 3 The stampseudonym is not valid.' \
	"$(mask "$(value eckid "$s1" "$chain" "$po")")" "$(mask "$(value eckid "$s2" "$chain" "$po")")")"

items=()
for i in $(seq 20); do items+=("$i:$(printf '%064x' "$i")"); done
batch=$("$call" "$c" submitStampseudonymBatch "${items[@]}")
config "$work/small.conf" "$sim_soap" max_response_size=1kB
sleep 1.1
out=$("$call" "$work/small.conf" retrieveBatch "${batch#batch }" 2>&1); rc=$?
check "an answer over max_response_size is refused" "$rc/$out" "2/nv-call: the answer from https://localhost:$sim_soap/eck/ws/201703 is larger than the limit of 1024 bytes."

say "replacements"
check "replaceStampseudonym returns the old Stampseudonym" "$("$call" "$c" replaceStampseudonym "$h1" "$h3")" "value $(mask "$s1")"
check "the new HPgn resolves to the old Stampseudonym" "$("$call" "$c" retrieveStampseudonym "$h3")" "value $(mask "$s1")"
[ "$(mask "$s3")" != "$(mask "$s1")" ] && pass "(its own value differs)" || fail "the test's values coincide"
check "a replacement of the replacement resolves to the original" \
	"$("$call" "$c" replaceStampseudonym "$h3" "$h4" && "$call" "$c" retrieveStampseudonym "$h4")" \
	"$(printf 'value %s\nvalue %s' "$(mask "$s1")" "$(mask "$s1")")"
out=$("$call" "$c" replaceStampseudonym "$h4" "$h1"); rc=$?
check "a replacement that would make a cycle: a fault" "$rc/$out" "1/fault Other InvalidRequestException: The replacement would make a cycle."
"$call" "$c" replaceStampseudonym "$h2" "$h5" 2099-01-01T00:00:00Z >/dev/null
check "before its effective date the new HPgn keeps its own value" "$("$call" "$c" retrieveStampseudonym "$h5")" \
	"value $(mask "$(value stamp "$h5")")"

say "daily limit and removed results"
ctl '{"daily_limit": 1, "reset_daily": true}'
"$call" "$c" submitStampseudonymBatch "1:$h2" >/dev/null
out=$("$call" "$c" submitStampseudonymBatch "1:$h2"); rc=$?
check "a submission over the daily limit: DailyLimit" "$rc/$out" "1/fault DailyLimit LimitDailyBatchSubmissionsExceededException: The daily limit of batch submissions has been reached."
ctl '{"reset_daily": true}'
batch=$("$call" "$c" submitStampseudonymBatch "1:$h2")
check "after the reset a submission is accepted" "${batch%% *}" batch
# A day and a half later: the effective date of 2099 is still ahead, the
# batch result (kept an hour) is gone.
ctl '{"advance_clock": 129600}'
out=$("$call" "$c" retrieveBatch "${batch#batch }"); rc=$?
check "a result past its keeping time: ContentRemoved" "$rc/$out" "1/fault ContentRemoved ContentRemovedException: The result of the batch has been removed."
ctl '{"advance_clock": 3000000000}'
check "from its effective date the new HPgn resolves to the old Stampseudonym" \
	"$("$call" "$c" retrieveStampseudonym "$h5")" "value $(mask "$s2")"

say "several clients at once"
par=()
for i in 1 2 3 4 5 6; do "$call" "$c" retrieveStampseudonym "$h2" >"$work/par.$i" & par+=($!); done
wait_all=0
for p in "${par[@]}"; do wait "$p" || wait_all=1; done
check "six clients at once all answered" "$wait_all/$(cat "$work"/par.* | sort -u)" "0/value $(mask "$s2")"

say "the simulator's log and its stop"
leaks=$(grep -cE '[0-9a-f]{32}' "$work/sim.log" || true)
check "the simulator's log holds no long hex value" "$leaks" 0
kill -TERM "${sim_pids[0]}"
stopped=no
for i in $(seq 50); do kill -0 "${sim_pids[0]}" 2>/dev/null || { stopped=yes; break; }; sleep 0.1; done
check "the simulator stops on SIGTERM" "$stopped" yes
set -e

if [ "$failures" -ne 0 ]; then
	echo "nv_transport.sh: $failures checks FAILED"
	exit 1
fi
echo "nv_transport.sh: all checks passed"
