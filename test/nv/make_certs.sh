#!/usr/bin/env bash
# Make the certificates the Nummervoorziening simulator and the worker's
# tests use, in DIR (created if missing):
#   ca.crt                    the test CA both sides trust
#   server.crt, server.key    the simulator, for localhost and 127.0.0.1
#   client.crt, client.key    a client the simulator accepts (signed by ca)
#   other-ca.crt              a second CA nobody trusts
#   other-client.crt/.key     a client signed by other-ca: must be refused
#   other-server.crt/.key     a server for localhost signed by other-ca: the
#                             worker must refuse it
# Keys are made 0600, as the worker demands of its client key.  P-256 keys
# (PKIoverheid uses RSA, but TLS does not care and these take milliseconds).  Test
# material only: made fresh at test time, never committed.
#   test/nv/make_certs.sh DIR
set -euo pipefail
dir=${1:?usage: make_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
days=2

# ca NAME: a self-signed CA.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" -subj "/CN=eckid test $1" \
		-keyout "$1.key" -out "$1.crt" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# leaf NAME CA KIND: a certificate for a server (localhost, 127.0.0.1) or a
# client, signed by CA.
leaf() {
	local name=$1 signer=$2 kind=$3 ext
	ext=$(mktemp)
	if [ "$kind" = server ]; then
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$ext"
	else
		printf 'extendedKeyUsage=clientAuth\n' >"$ext"
	fi
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=eckid test $name" \
		-keyout "$name.key" -out "$name.csr" 2>/dev/null
	openssl x509 -req -in "$name.csr" -CA "$signer.crt" -CAkey "$signer.key" -CAcreateserial \
		-days "$days" -extfile "$ext" -out "$name.crt" 2>/dev/null
	rm -f "$name.csr" "$ext"
}

ca ca
ca other-ca
leaf server ca server
leaf client ca client
leaf other-client other-ca client
leaf other-server other-ca server
chmod 600 ./*.key
chmod 644 ./*.crt
echo "certificates in $(pwd)"
