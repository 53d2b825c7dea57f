/*-------------------------------------------------------------------------
 *
 * test_kdf.c
 *	  Known-answer tests of src/core/kdf.c, linked without PostgreSQL.
 *
 * - scrypt: the RFC 7914 section 12 vectors that fit in memory (the fourth
 *	 needs 1 GiB), copied from the RFC text;
 * - HPgn: Kennisnet's public test vector;
 * - bad scrypt parameters: -1 with errno EINVAL, and no abort() from
 *	 libsodium's misuse handler (the test would die instead of failing);
 * - local derivation and per-recipient pseudonyms: values computed by
 *	 test/local_derivation.py, the independent Python implementation of
 *	 docs/derivation.md.
 * - local derivation: values computed by test/local_derivation.py, the
 *	 independent Python implementation of docs/derivation.md;
 * - pgn_number_form(), which decides how eckid.assign() treats a PGN.
 *
 * Run with: make -C src/core test/test_kdf && src/core/test/test_kdf
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kdf.h"
#include "pgn.h"

#include "check.h"

/* Lowercase hex of len bytes into a static buffer (enough for 64 bytes). */
static const char *
Hex(const uint8_t *bin, size_t len)
{
	static char buf[2 * 128 + 1];

	sodium_bin2hex(buf, sizeof(buf), bin, len);
	return buf;
}

/*
 * RFC 7914, section 12.  The outputs are the RFC's, with the spaces and line
 * breaks of its layout removed.
 */
static const struct
{
	const char *password;
	const char *salt;
	uint64_t	N;
	uint32_t	r;
	uint32_t	p;
	const char *dk;
}			rfc7914[] =
{
	{
		"", "", 16, 1, 1,
		"77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
		"fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
	},
	{
		"password", "NaCl", 1024, 8, 16,
		"fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		"2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
	},
	{
		"pleaseletmein", "SodiumChloride", 16384, 8, 1,
		"7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
		"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
	},
};

static void
TestRfc7914(void)
{
	for (size_t i = 0; i < sizeof(rfc7914) / sizeof(rfc7914[0]); i++)
	{
		uint8_t		dk[64];
		char		what[128];
		int			rc;

		rc = kdf_scrypt((const uint8_t *) rfc7914[i].password, strlen(rfc7914[i].password),
						(const uint8_t *) rfc7914[i].salt, strlen(rfc7914[i].salt),
						rfc7914[i].N, rfc7914[i].r, rfc7914[i].p, dk, sizeof(dk), NULL);
		snprintf(what, sizeof(what), "RFC 7914 scrypt(\"%s\", \"%s\", %u, %u, %u, 64)",
				 rfc7914[i].password, rfc7914[i].salt, (unsigned) rfc7914[i].N,
				 (unsigned) rfc7914[i].r, (unsigned) rfc7914[i].p);
		CheckTap(rc == 0 && strcmp(Hex(dk, sizeof(dk)), rfc7914[i].dk) == 0, what);
	}
}

static void
TestKennisnet(void)
{
	static const char salt_b64[] = "rktYml0MIp9TC9u6Ny6uqw==";
	uint8_t		salt[32];
	size_t		salt_len = 0;
	char		hex[HPGN_HEX_LEN + 1];
	int			rc;

	rc = sodium_base642bin(salt, sizeof(salt), salt_b64, strlen(salt_b64), NULL,
						   &salt_len, NULL, sodium_base64_VARIANT_ORIGINAL);
	CheckTap(rc == 0 && salt_len == 16, "Kennisnet test salt decodes to 16 bytes");

	memset(hex, 'x', sizeof(hex));
	rc = kdf_hpgn((const uint8_t *) "063138219", 9, salt, salt_len, hex, NULL);
	CheckTap(rc == 0 &&
		  strcmp(hex, "9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa") == 0,
		  "Kennisnet vector: HPgn of 063138219");

	errno = 0;
	rc = kdf_hpgn((const uint8_t *) "063138219", 9, salt, 0, hex, NULL);
	CheckTap(rc == -1 && errno == EINVAL, "kdf_hpgn refuses an empty salt");
	errno = 0;
	rc = kdf_hpgn((const uint8_t *) "063138219", PGN_MAX_BYTES + 1, salt, salt_len, hex, NULL);
	CheckTap(rc == -1 && errno == EINVAL, "kdf_hpgn refuses a PGN over PGN_MAX_BYTES");
}

/* kdf_scrypt must refuse before libsodium could abort() or allocate. */
static void
ExpectEinval(uint64_t N, uint32_t r, uint32_t p, size_t out_len, int null_out,
			 const char *what)
{
	uint8_t		out[64];
	int			rc;

	errno = 0;
	rc = kdf_scrypt((const uint8_t *) "pw", 2, (const uint8_t *) "salt", 4,
					N, r, p, null_out ? NULL : out, out_len, NULL);
	CheckTap(rc == -1 && errno == EINVAL, what);
}

static void
TestBadParameters(void)
{
	ExpectEinval(0, 1, 1, 32, 0, "scrypt N=0 gives EINVAL");
	ExpectEinval(1, 1, 1, 32, 0, "scrypt N=1 gives EINVAL");
	ExpectEinval(3, 1, 1, 32, 0, "scrypt N=3 (not a power of two) gives EINVAL");
	ExpectEinval(UINT64_C(1) << 32, 1, 1, 32, 0, "scrypt N=2^32 gives EINVAL");
	ExpectEinval(16, 0, 1, 32, 0, "scrypt r=0 gives EINVAL");
	ExpectEinval(16, 1, 0, 32, 0, "scrypt p=0 gives EINVAL");
	ExpectEinval(16, UINT32_C(1) << 15, UINT32_C(1) << 15, 32, 0,
				 "scrypt r*p=2^30 gives EINVAL");
	ExpectEinval(16, UINT32_MAX, UINT32_MAX, 32, 0,
				 "scrypt r*p near 2^64 gives EINVAL");
	ExpectEinval(16, 1, 1, 0, 0, "scrypt out_len=0 gives EINVAL");
	ExpectEinval(16, 1, 1, 32, 1, "scrypt out=NULL gives EINVAL");
	ExpectEinval(16, 1, 1, (size_t) 0x1fffffffe0ULL + 1, 0,
				 "scrypt out_len over libsodium's maximum gives EINVAL");

	{
		uint8_t		out[32];
		int			rc;

		errno = 0;
		rc = kdf_scrypt(NULL, 1, (const uint8_t *) "salt", 4, 16, 1, 1, out, sizeof(out), NULL);
		CheckTap(rc == -1 && errno == EINVAL, "scrypt password=NULL with length 1 gives EINVAL");
		errno = 0;
		rc = kdf_scrypt((const uint8_t *) "pw", 2, NULL, 4, 16, 1, 1, out, sizeof(out), NULL);
		CheckTap(rc == -1 && errno == EINVAL, "scrypt salt=NULL with length 4 gives EINVAL");
	}
}

/*
 * Local derivation.  Key 00 01 02 ... 1f; expected values from
 *
 *   test/local_derivation.py --key-file K --hpgn HPGN --chain CHAIN --sector SECTOR
 *		[--stampseudonym-segment sppilot]
 */
#define KAT_HPGN	"9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa"
#define KAT_CHAIN	"http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795"
#define KAT_SECTOR_PO	"http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725"
#define KAT_SECTOR_VO	"http://purl.edustandaard.nl/begrippenkader/2a1401e9-c223-493b-9b86-78f6993b1a8d"
#define KAT_STAMP \
	"44a9ee50deb707ba88f8614fd79f327ff782f480d4211c7ef03e7f0fda13ccce" \
	"b400d177c696488b8c8a1a0435474d6920899aafd3f797bd5ab52f475204bab6"
#define KAT_ECKID_LOCALSP_PO \
	"39a6cf9dbcd13f5a54a20cf43826e457a77127778a04f4eb86c0c099f19a11a5" \
	"3f7c9834116825b9ae319195477bb04b1fc57260e441edc2557738d5e29f2503"
#define KAT_ECKID_LOCALSP_VO \
	"04fc5a749772ed019b640c19718bb805fb057161c6b98ec83b52db74ad9bfeeb" \
	"db2b29fe75abb25a79fc702d3f5d8304d6fca6842b91c594342aede601bf214e"
#define KAT_ECKID_SPPILOT_PO \
	"bf225d2f741453d561845ab8da71c8f01e2f589924d967c9a7bef52e8c9cf189" \
	"ee57a544cabf4b82330dee18f7f0b7590da683c046a71a0d2ba66b4ff622d99f"

static void
MakeStamp(EckIdValue *v, const uint8_t digest[ECKID_DIGEST_LEN], const char *segment)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->digest, digest, ECKID_DIGEST_LEN);
	memcpy(v->segment, segment, strlen(segment));
}

static int
DeriveEckId(const uint8_t *key, const EckIdValue *stamp, const char *chain,
			const char *sector, uint8_t out[ECKID_DIGEST_LEN])
{
	return kdf_local_eckid(key, stamp, chain, strlen(chain), sector, strlen(sector), out);
}

static void
TestLocalDerivation(void)
{
	uint8_t		key[LOCAL_KEY_BYTES];
	uint8_t		stamp_digest[ECKID_DIGEST_LEN];
	uint8_t		out[ECKID_DIGEST_LEN];
	EckIdValue	stamp;
	int			rc;

	for (int i = 0; i < LOCAL_KEY_BYTES; i++)
		key[i] = (uint8_t) i;

	rc = kdf_local_stampseudonym(key, KAT_HPGN, HPGN_HEX_LEN, stamp_digest);
	CheckTap(rc == 0 && strcmp(Hex(stamp_digest, ECKID_DIGEST_LEN), KAT_STAMP) == 0,
		  "local Stampseudonym matches local_derivation.py");

	MakeStamp(&stamp, stamp_digest, "localsp");
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_PO, out);
	CheckTap(rc == 0 && strcmp(Hex(out, ECKID_DIGEST_LEN), KAT_ECKID_LOCALSP_PO) == 0,
		  "local ECK iD (localsp, PO) matches local_derivation.py");
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_VO, out);
	CheckTap(rc == 0 && strcmp(Hex(out, ECKID_DIGEST_LEN), KAT_ECKID_LOCALSP_VO) == 0,
		  "local ECK iD (localsp, VO) matches local_derivation.py");

	/* the Stampseudonym's segment is part of the message */
	MakeStamp(&stamp, stamp_digest, "sppilot");
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_PO, out);
	CheckTap(rc == 0 && strcmp(Hex(out, ECKID_DIGEST_LEN), KAT_ECKID_SPPILOT_PO) == 0,
		  "local ECK iD (sppilot, PO) matches local_derivation.py");

	/* another key gives another value */
	key[0] ^= 1;
	rc = kdf_local_stampseudonym(key, KAT_HPGN, HPGN_HEX_LEN, out);
	CheckTap(rc == 0 && strcmp(Hex(out, ECKID_DIGEST_LEN), KAT_STAMP) != 0,
		  "a different key gives a different Stampseudonym");
	key[0] ^= 1;

	/* argument checks */
	errno = 0;
	rc = kdf_local_stampseudonym(key, KAT_HPGN, HPGN_HEX_LEN - 1, out);
	CheckTap(rc == -1 && errno == EINVAL, "Stampseudonym of 63 hex digits gives EINVAL");
	errno = 0;
	rc = kdf_local_stampseudonym(key,
								 "9735DFD2235EAEB5F0300886BCC99C82FFC1D6420C4E0BDE8DE7218DEF2135FA",
								 HPGN_HEX_LEN, out);
	CheckTap(rc == -1 && errno == EINVAL, "Stampseudonym of uppercase hex gives EINVAL");

	MakeStamp(&stamp, stamp_digest, "localsp");
	errno = 0;
	rc = kdf_local_eckid(key, &stamp, KAT_CHAIN, 0, KAT_SECTOR_PO, strlen(KAT_SECTOR_PO), out);
	CheckTap(rc == -1 && errno == EINVAL, "ECK iD with an empty chain gives EINVAL");
	{
		static char long_id[LOCAL_ID_MAX_BYTES + 1];

		memset(long_id, 'x', sizeof(long_id));
		rc = kdf_local_eckid(key, &stamp, KAT_CHAIN, strlen(KAT_CHAIN),
							 long_id, LOCAL_ID_MAX_BYTES, out);
		CheckTap(rc == 0, "ECK iD with a sector of 65535 bytes is accepted");
		errno = 0;
		rc = kdf_local_eckid(key, &stamp, KAT_CHAIN, strlen(KAT_CHAIN),
							 long_id, sizeof(long_id), out);
		CheckTap(rc == -1 && errno == EINVAL, "ECK iD with a sector over 65535 bytes gives EINVAL");
	}

	MakeStamp(&stamp, stamp_digest, "");
	errno = 0;
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_PO, out);
	CheckTap(rc == -1 && errno == EINVAL, "ECK iD of a Stampseudonym without segment gives EINVAL");
	MakeStamp(&stamp, stamp_digest, "SPpilot");
	errno = 0;
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_PO, out);
	CheckTap(rc == -1 && errno == EINVAL, "ECK iD of a Stampseudonym with an uppercase segment gives EINVAL");
	MakeStamp(&stamp, stamp_digest, "sp");
	stamp.segment[5] = 'x';		/* garbage after the NUL padding starts */
	errno = 0;
	rc = DeriveEckId(key, &stamp, KAT_CHAIN, KAT_SECTOR_PO, out);
	CheckTap(rc == -1 && errno == EINVAL, "ECK iD of a Stampseudonym with bad padding gives EINVAL");
}

/*
 * Per-recipient pseudonyms.  Key 00 01 02 ... 1f; expected values from
 *
 *   test/local_derivation.py --key-file K --eckid https://ketenid.nl/SEGMENT/KAT_DIGEST
 *		--recipient RECIPIENT
 */
#define KAT_DIGEST \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define KAT_PSEUDONYM_201703_A \
	"644eadd03638577f3bd058af9b55c05ffa43168a6d7371cdc562a1217f08e16b"
#define KAT_PSEUDONYM_201703_B \
	"86e69bcb20b4781a88681b4437016e570636d30348b3febf5b1dcfa7a2d0dee0"
#define KAT_PSEUDONYM_PILOT_A \
	"2db0552d879ed7218cb07b261cd22f40a9d796edd3a08674f6a665a3d5c91574"
/* recipient "uitgever-" and 191 x: the message spans three blocks after the key */
#define KAT_PSEUDONYM_201703_LONG \
	"5fd36a650faebfd514c5ebd7b11465c9cf65f655bd7557f1e272cc53ccc21be7"

static void
TestPseudonymize(void)
{
	uint8_t		key[LOCAL_KEY_BYTES];
	uint8_t		digest[ECKID_DIGEST_LEN];
	uint8_t		out[PSEUDONYM_BYTES];
	EckIdValue	value;
	int			rc;

	for (int i = 0; i < LOCAL_KEY_BYTES; i++)
		key[i] = (uint8_t) i;
	CheckTap(sodium_hex2bin(digest, sizeof(digest), KAT_DIGEST, strlen(KAT_DIGEST),
						 NULL, NULL, NULL) == 0, "pseudonym test digest decodes");

	MakeStamp(&value, digest, "201703");
	rc = kdf_pseudonymize(key, &value, "uitgever-a", 10, out);
	CheckTap(rc == 0 && strcmp(Hex(out, PSEUDONYM_BYTES), KAT_PSEUDONYM_201703_A) == 0,
		  "pseudonym (201703, uitgever-a) matches local_derivation.py");
	rc = kdf_pseudonymize(key, &value, "uitgever-b", 10, out);
	CheckTap(rc == 0 && strcmp(Hex(out, PSEUDONYM_BYTES), KAT_PSEUDONYM_201703_B) == 0,
		  "pseudonym (201703, uitgever-b) matches local_derivation.py");
	MakeStamp(&value, digest, "pilot");
	rc = kdf_pseudonymize(key, &value, "uitgever-a", 10, out);
	CheckTap(rc == 0 && strcmp(Hex(out, PSEUDONYM_BYTES), KAT_PSEUDONYM_PILOT_A) == 0,
		  "pseudonym (pilot, uitgever-a) matches local_derivation.py: the segment counts");
	{
		char		recipient[200];

		memcpy(recipient, "uitgever-", 9);
		memset(recipient + 9, 'x', sizeof(recipient) - 9);
		MakeStamp(&value, digest, "201703");
		rc = kdf_pseudonymize(key, &value, recipient, sizeof(recipient), out);
		CheckTap(rc == 0 && strcmp(Hex(out, PSEUDONYM_BYTES), KAT_PSEUDONYM_201703_LONG) == 0,
			  "pseudonym (201703, a 200-byte recipient) matches local_derivation.py");
	}

	/* argument checks */
	errno = 0;
	rc = kdf_pseudonymize(key, &value, "", 0, out);
	CheckTap(rc == -1 && errno == EINVAL, "pseudonym for an empty recipient gives EINVAL");
	{
		static char long_recipient[RECIPIENT_MAX_BYTES + 1];

		memset(long_recipient, 'r', sizeof(long_recipient));
		rc = kdf_pseudonymize(key, &value, long_recipient, RECIPIENT_MAX_BYTES, out);
		CheckTap(rc == 0, "pseudonym for a recipient of 65535 bytes is accepted");
		errno = 0;
		rc = kdf_pseudonymize(key, &value, long_recipient, sizeof(long_recipient), out);
		CheckTap(rc == -1 && errno == EINVAL, "pseudonym for a recipient over 65535 bytes gives EINVAL");
	}
	MakeStamp(&value, digest, "");
	errno = 0;
	rc = kdf_pseudonymize(key, &value, "uitgever-a", 10, out);
	CheckTap(rc == -1 && errno == EINVAL, "pseudonym of a value without segment gives EINVAL");
	MakeStamp(&value, digest, "Pilot");
	errno = 0;
	rc = kdf_pseudonymize(key, &value, "uitgever-a", 10, out);
	CheckTap(rc == -1 && errno == EINVAL, "pseudonym of a value with an uppercase segment gives EINVAL");
}

/* pgn_number_form(): the classification eckid.assign() hashes by. */
static void
CheckNumberForm(const char *pgn, PgnNumberForm want, const char *want_digits, const char *what)
{
	char		digits[PGN_DIGITS];
	PgnNumberForm got = pgn_number_form(pgn, strlen(pgn), digits);

	CheckTap(got == want && (want != PGN_NUMBER || memcmp(digits, want_digits, PGN_DIGITS) == 0), what);
}

static void
TestNumberForm(void)
{
	CheckNumberForm("063138219", PGN_NUMBER, "063138219", "a 9-digit BSN is a number, as given");
	CheckNumberForm("63138219", PGN_NUMBER, "063138219", "an 8-digit BSN is padded with a leading zero");
	CheckNumberForm("101222331", PGN_NUMBER, "101222331", "an onderwijsnummer is a number");
	CheckNumberForm("123456789", PGN_INVALID_NUMBER, NULL, "9 digits failing the elfproef are invalid");
	CheckNumberForm("000000000", PGN_INVALID_NUMBER, NULL, "000000000 is invalid");
	CheckNumberForm("00000000", PGN_INVALID_NUMBER, NULL, "00000000 is invalid (padded: 000000000)");
	CheckNumberForm("211222337", PGN_INVALID_NUMBER, NULL, "an onderwijsnummer without prefix 10 is invalid");
	CheckNumberForm("3138219", PGN_INVALID_NUMBER, NULL, "7 digits are never padded");
	CheckNumberForm("0063138219", PGN_INVALID_NUMBER, NULL, "10 digits are invalid");
	CheckNumberForm("1", PGN_INVALID_NUMBER, NULL, "1 digit is invalid");
	CheckNumberForm("", PGN_NOT_A_NUMBER, NULL, "an empty PGN is left to the hashing rules");
	CheckNumberForm(" 63138219", PGN_NOT_A_NUMBER, NULL, "a space makes it no number (the hashing rules refuse it)");
	CheckNumberForm("20DP teacher@school.nl", PGN_NOT_A_NUMBER, NULL, "an employee identifier is no number");
	CheckNumberForm("06313821a", PGN_NOT_A_NUMBER, NULL, "a letter makes it no number");
}

int
main(void)
{
	if (sodium_init() < 0)
	{
		printf("Bail out! sodium_init failed\n");
		return 1;
	}

	TestRfc7914();
	TestKennisnet();
	TestBadParameters();
	TestLocalDerivation();
	TestPseudonymize();
	TestNumberForm();

	printf("1..%d\n", checks);
	if (failures > 0)
	{
		printf("# %d of %d checks failed\n", failures, checks);
		return 1;
	}
	return 0;
}
