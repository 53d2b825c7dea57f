/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Finding and hiding ECK iDs, HPgns, the salt, the key and PGNs in
 *	  message text, in plain C (see redact.h).
 *
 * One pass from left to right.  At each byte the scanner asks, from the
 * most specific to the least: does the salt start here, an ECK iD, a long
 * hex run, the salt as hex, a PGN?  The first that matches is replaced and
 * skipped; otherwise the byte is copied.  At a "." it also asks whether
 * "eckid.salt" or "eckid.key_file" is being set there, and if so notes
 * where the value lies; the value is replaced when the scan gets there.  Each question starts with a
 * one-byte test, so text with nothing to hide (nearly every log message)
 * costs one table lookup and a few predictable branches per byte.
 *
 * The ECK iD is recognised by the same parser the eckid type uses
 * (eckid_parse()) and written by the same formatter as eckid.mask()
 * (eckid_format_masked()); PGNs are checked by pgn_number_form(), which
 * eckid uses to hash them.
 *
 *-------------------------------------------------------------------------
 */
#include "redact.h"

#include <string.h>

#include "ecktext.h"
#include "pgn.h"

/* "…" (U+2026) in UTF-8, as eckid.mask() writes it */
#define ELLIPSIS		"\xe2\x80\xa6"
#define ASCII_ELLIPSIS	"..."
#define MARK_LEN		3

/* Character classes (ASCII only: a byte of a multibyte character is neither). */
#define C_HEX		0x01
#define C_DIGIT		0x02
#define C_ALNUM		0x04
#define C_H			0x08		/* may start "https://" */

static const uint8_t char_class[256] = {
	['0'] = C_HEX | C_DIGIT | C_ALNUM, ['1'] = C_HEX | C_DIGIT | C_ALNUM,
	['2'] = C_HEX | C_DIGIT | C_ALNUM, ['3'] = C_HEX | C_DIGIT | C_ALNUM,
	['4'] = C_HEX | C_DIGIT | C_ALNUM, ['5'] = C_HEX | C_DIGIT | C_ALNUM,
	['6'] = C_HEX | C_DIGIT | C_ALNUM, ['7'] = C_HEX | C_DIGIT | C_ALNUM,
	['8'] = C_HEX | C_DIGIT | C_ALNUM, ['9'] = C_HEX | C_DIGIT | C_ALNUM,
	['a'] = C_HEX | C_ALNUM, ['b'] = C_HEX | C_ALNUM, ['c'] = C_HEX | C_ALNUM,
	['d'] = C_HEX | C_ALNUM, ['e'] = C_HEX | C_ALNUM, ['f'] = C_HEX | C_ALNUM,
	['A'] = C_HEX | C_ALNUM, ['B'] = C_HEX | C_ALNUM, ['C'] = C_HEX | C_ALNUM,
	['D'] = C_HEX | C_ALNUM, ['E'] = C_HEX | C_ALNUM, ['F'] = C_HEX | C_ALNUM,
	['g'] = C_ALNUM, ['h'] = C_ALNUM | C_H, ['i'] = C_ALNUM, ['j'] = C_ALNUM,
	['k'] = C_ALNUM, ['l'] = C_ALNUM, ['m'] = C_ALNUM, ['n'] = C_ALNUM,
	['o'] = C_ALNUM, ['p'] = C_ALNUM, ['q'] = C_ALNUM, ['r'] = C_ALNUM,
	['s'] = C_ALNUM, ['t'] = C_ALNUM, ['u'] = C_ALNUM, ['v'] = C_ALNUM,
	['w'] = C_ALNUM, ['x'] = C_ALNUM, ['y'] = C_ALNUM, ['z'] = C_ALNUM,
	['G'] = C_ALNUM, ['H'] = C_ALNUM | C_H, ['I'] = C_ALNUM, ['J'] = C_ALNUM,
	['K'] = C_ALNUM, ['L'] = C_ALNUM, ['M'] = C_ALNUM, ['N'] = C_ALNUM,
	['O'] = C_ALNUM, ['P'] = C_ALNUM, ['Q'] = C_ALNUM, ['R'] = C_ALNUM,
	['S'] = C_ALNUM, ['T'] = C_ALNUM, ['U'] = C_ALNUM, ['V'] = C_ALNUM,
	['W'] = C_ALNUM, ['X'] = C_ALNUM, ['Y'] = C_ALNUM, ['Z'] = C_ALNUM,
};

#define IS(c, cls)	((char_class[(unsigned char) (c)] & (cls)) != 0)

static inline unsigned char
ToLower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

static inline int
HexValue(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ToLower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The URL-safe base64 alphabet differs in two characters only. */
static inline unsigned char
Base64Standard(unsigned char c)
{
	return c == '-' ? '+' : (c == '_' ? '/' : c);
}

/* How the salt can be recognised, worked out once per call. */
typedef struct SaltForms
{
	size_t		b64_len;		/* base64 text without padding; 0: not matched */
	size_t		raw_len;		/* bytes, when printable ASCII; 0: not matched */
	size_t		hex_len;		/* hex digits of the bytes; 0: not matched */
	int			first_b64;		/* first character (standard alphabet), or -1 */
	int			first_b64_alt;	/* the same in the URL-safe alphabet, or -1 */
	int			first_raw;		/* first byte, or -1 */
} SaltForms;

static void
PrepareSalt(const RedactOptions *opt, SaltForms *forms)
{
	memset(forms, 0, sizeof(*forms));
	forms->first_b64 = -1;
	forms->first_b64_alt = -1;
	forms->first_raw = -1;
	if (opt->salt_text != NULL)
	{
		size_t		n = opt->salt_text_len;

		while (n > 0 && opt->salt_text[n - 1] == '=')
			n--;
		if (n >= REDACT_SALT_MIN)
		{
			forms->b64_len = n;
			forms->first_b64 = Base64Standard((unsigned char) opt->salt_text[0]);
			forms->first_b64_alt = forms->first_b64 == '+' ? '-' :
				(forms->first_b64 == '/' ? '_' : forms->first_b64);
		}
	}
	if (opt->salt != NULL && opt->salt_len >= REDACT_SALT_MIN)
	{
		bool		printable = true;

		for (size_t i = 0; i < opt->salt_len; i++)
		{
			if (opt->salt[i] < 0x20 || opt->salt[i] > 0x7e)
			{
				printable = false;
				break;
			}
		}
		if (printable)
		{
			forms->raw_len = opt->salt_len;
			forms->first_raw = opt->salt[0];
		}
		forms->hex_len = 2 * opt->salt_len;
	}
}

/*
 * The salt's base64 text at s, in either alphabet, with or without its
 * padding: the number of bytes it takes (padding included), or 0.
 */
static size_t
MatchSaltBase64(const char *s, size_t n, const RedactOptions *opt, size_t b64_len)
{
	size_t		m;

	if (n < b64_len)
		return 0;
	for (size_t i = 0; i < b64_len; i++)
	{
		if (Base64Standard((unsigned char) s[i]) !=
			Base64Standard((unsigned char) opt->salt_text[i]))
			return 0;
	}
	m = b64_len;
	while (m < n && m < b64_len + 2 && s[m] == '=')
		m++;
	return m;
}

/* The salt's bytes as hex digits (either case) at s: hex_len, or 0. */
static size_t
MatchSaltHex(const char *s, size_t n, const RedactOptions *opt, size_t hex_len)
{
	if (n < hex_len)
		return 0;
	for (size_t i = 0; i < opt->salt_len; i++)
	{
		int			hi = HexValue((unsigned char) s[2 * i]);
		int			lo = HexValue((unsigned char) s[2 * i + 1]);

		if (hi < 0 || lo < 0 || (uint8_t) (hi << 4 | lo) != opt->salt[i])
			return 0;
	}
	return hex_len;
}

/* The length of the run of bytes of class cls at s. */
static inline size_t
RunLength(const char *s, size_t n, uint8_t cls)
{
	size_t		k = 0;

	while (k < n && IS(s[k], cls))
		k++;
	return k;
}

/*
 * An ECK iD or Stampseudonym at s: "https://ketenid.nl/", a segment, "/"
 * and hex digits, in any case.  Returns the number of bytes up to the
 * digits, with *digits set to how many follow, or 0 when s does not start
 * that way.  When there are exactly 128 digits and the whole is a valid
 * value, *value is set and *full is true.  The eckid type wants a lowercase
 * segment; here any case counts, since a log must not show a value only
 * because someone typed it in capitals.
 */
static size_t
MatchEckId(const char *s, size_t n, EckIdValue *value, size_t *digits, bool *full)
{
	char		canon[ECKID_TEXT_MAXLEN];
	size_t		p;
	size_t		h = 0;

	*full = false;
	if (n < ECKID_PREFIX_LEN + 2)
		return 0;
	for (p = 0; p < ECKID_PREFIX_LEN; p++)
	{
		if (ToLower((unsigned char) s[p]) != (unsigned char) ECKID_PREFIX[p])
			return 0;
	}
	while (p < n && p - ECKID_PREFIX_LEN < ECKID_SEGMENT_MAX && IS(s[p], C_ALNUM))
		p++;
	if (p == ECKID_PREFIX_LEN || p >= n || s[p] != '/')
		return 0;
	p++;
	h = RunLength(s + p, n - p, C_HEX);
	*digits = h;

	if (h == 2 * ECKID_DIGEST_LEN)
	{
		for (size_t i = 0; i < p + h; i++)
			canon[i] = (char) ToLower((unsigned char) s[i]);
		*full = eckid_parse(canon, p + h, value, NULL);
	}
	return p;
}

/*
 * Up to this many digits after the segment are left as they are (what
 * eckid_redact() leaves in eckid's own input errors); more are cut.
 */
#define REDACT_DIGEST_KEEP	8

/* Does s start with core's mark of a value it cut short ("...")? */
static inline size_t
TruncationMark(const char *s, size_t n)
{
	return (n >= 3 && s[0] == '.' && s[1] == '.' && s[2] == '.') ? 3 : 0;
}

/*
 * What core writes right after a value it cut short and its "...": '"'
 * ends COPY's context line, '\'' a bind parameter's value, ',' and ')' a
 * value in "Failing row contains (...)".  A run followed by "..." and one
 * of these was cut by core; "..." elsewhere may be a writer's ellipsis
 * after an ordinary number ("loaded 12345...").
 */
static inline bool
ClosesCutValue(const char *s, size_t n)
{
	return n > 0 && (s[0] == '"' || s[0] == '\'' || s[0] == ',' || s[0] == ')');
}

/* Is this run of 8 or 9 digits a PGN? */
static bool
IsPgn(const char *s, size_t n)
{
	char		digits[PGN_DIGITS];
	bool		result;

	result = pgn_number_form(s, n, digits) == PGN_NUMBER;
	memset(digits, 0, sizeof(digits));
	return result;
}

/*
 * Settings whose value is hidden wherever a statement or message sets it
 * (the part after "eckid.").  All are PGC_SIGHUP, so every SET of them is
 * refused, but only after the statement was logged; and a DBA who mistypes
 * a salt or pastes the key where the path belongs need not have typed
 * anything the other rules recognise.  A key command may carry a token or
 * name where the key is kept.
 */
static const char *const secret_settings[] = {"salt", "key_file", "key_command"};

static inline bool
IsSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Can c be part of an unquoted SQL identifier? ('$' aside) */
static inline bool
IsIdentChar(unsigned char c)
{
	return IS(c, C_ALNUM) || c == '_' || c >= 0x80;
}

/* Does s start with word (lowercase ASCII), in any case? */
static inline bool
StartsWithCI(const char *s, size_t n, const char *word, size_t k)
{
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
	{
		if (ToLower((unsigned char) s[i]) != (unsigned char) word[i])
			return false;
	}
	return true;
}

/* The same, as a whole word: not followed by a character of an identifier. */
static inline size_t
MatchWord(const char *s, size_t n, const char *word)
{
	size_t		k = strlen(word);

	return (StartsWithCI(s, n, word, k) && (n == k || !IsIdentChar((unsigned char) s[k]))) ? k : 0;
}

/*
 * Spaces and comments between the tokens of a setting's name and value are
 * looked at up to this many bytes a gap, so that a text of many names in
 * long or unclosed comments costs time linear in its length.
 */
#define SETTING_GAP_MAX		256

/*
 * The whitespace and SQL comments (block comments nested, "--" to the
 * line's end) at s.  Returns SIZE_MAX when they go on for more than
 * SETTING_GAP_MAX bytes.
 */
static size_t
SkipSpace(const char *s, size_t n)
{
	size_t		i = 0;
	bool		capped = n > SETTING_GAP_MAX;

	if (capped)
		n = SETTING_GAP_MAX;

	for (;;)
	{
		while (i < n && IsSpace((unsigned char) s[i]))
			i++;
		if (i + 1 < n && s[i] == '/' && s[i + 1] == '*')
		{
			int			depth = 1;

			i += 2;
			while (i < n && depth > 0)
			{
				if (i + 1 < n && s[i] == '/' && s[i + 1] == '*')
				{
					depth++;
					i += 2;
				}
				else if (i + 1 < n && s[i] == '*' && s[i + 1] == '/')
				{
					depth--;
					i += 2;
				}
				else
					i++;
			}
		}
		else if (i + 1 < n && s[i] == '-' && s[i + 1] == '-')
		{
			while (i < n && s[i] != '\n')
				i++;
		}
		else
			return (capped && i >= n - 1) ? SIZE_MAX : i;
	}
}

/* Advance *p over the gap at s + *p; false when it is too long. */
static inline bool
Gap(const char *s, size_t n, size_t *p)
{
	size_t		k = SkipSpace(s + *p, n - *p);

	if (k == SIZE_MAX)
		return false;
	*p += k;
	return true;
}

/*
 * The same backwards from the end of the n bytes at s (block comments only,
 * not nested; up to SETTING_GAP_MAX bytes): the length of what comes before
 * them.
 */
static size_t
SkipSpaceBack(const char *s, size_t n)
{
	size_t		low = n > SETTING_GAP_MAX ? n - SETTING_GAP_MAX : 0;

	for (;;)
	{
		while (n > low && IsSpace((unsigned char) s[n - 1]))
			n--;
		if (n >= low + 4 && s[n - 1] == '/' && s[n - 2] == '*')
		{
			size_t		i = n - 2;

			while (i >= low + 2 && !(s[i - 2] == '/' && s[i - 1] == '*'))
				i--;
			if (i < low + 2)
				return n;
			n = i - 2;
		}
		else
			return n;
	}
}

/* Where a value lies: its bytes [start, end), and the end of its quotes. */
typedef struct ValueSpan
{
	size_t		start;
	size_t		end;
	size_t		after;
} ValueSpan;

/*
 * The value at s, as SQL writes it: a string ('...' with an optional E, N,
 * B, X or U& in front, backslashes taken as escapes, so that a value is
 * never thought to end early), a quoted identifier ("..."), a dollar-quoted
 * string ($tag$...$tag$), or an unquoted word up to a space, ";", ",",
 * ")" or a quote.  In a message, core's "..." around a value: up to the last '"' on
 * the line, since core does not double the quotes inside.  An unclosed
 * quote runs to the end.  False when there is nothing.
 */
static bool
ValueAt(const char *s, size_t n, bool message, ValueSpan *v)
{
	size_t		i;
	size_t		q = 0;

	if (n == 0)
		return false;
	if (message && s[0] == '"')
	{
		size_t		line = 1;
		size_t		last = 0;

		while (line < n && s[line] != '\n')
		{
			if (s[line] == '"')
				last = line;
			line++;
		}
		v->start = 1;
		v->end = last > 0 ? last : line;
		v->after = last > 0 ? last + 1 : line;
		return true;
	}
	if (n > 1 && s[1] == '\'' && strchr("EeNnBbXx", s[0]) != NULL && s[0] != '\0')
		q = 1;
	else if (n > 2 && (s[0] == 'U' || s[0] == 'u') && s[1] == '&' && s[2] == '\'')
		q = 2;
	if (s[q] == '\'')
	{
		for (i = q + 1; i < n; i++)
		{
			if (s[i] == '\\')
				i++;
			else if (s[i] == '\'')
			{
				if (i + 1 < n && s[i + 1] == '\'')
					i++;
				else
					break;
			}
		}
		v->start = q + 1;
		v->end = i < n ? i : n;
		v->after = i < n ? i + 1 : n;
		return true;
	}
	if (s[0] == '"')
	{
		for (i = 1; i < n; i++)
		{
			if (s[i] == '"')
			{
				if (i + 1 < n && s[i + 1] == '"')
					i++;
				else
					break;
			}
		}
		v->start = 1;
		v->end = i < n ? i : n;
		v->after = i < n ? i + 1 : n;
		return true;
	}
	if (s[0] == '$')
	{
		size_t		tag = 1;

		while (tag < n && (IS(s[tag], C_ALNUM) || s[tag] == '_'))
			tag++;
		if (tag < n && s[tag] == '$')
		{
			tag++;
			for (i = tag; i + tag <= n; i++)
			{
				if (s[i] == '$' && memcmp(s + i, s, tag) == 0)
					break;
			}
			v->start = tag;
			v->end = i + tag <= n ? i : n;
			v->after = i + tag <= n ? i + tag : n;
			return true;
		}
	}
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (IsSpace(c) || c == ';' || c == ',' || c == ')' || c == '\'' || c == '"')
			break;
	}
	if (i == 0)
		return false;
	v->start = 0;
	v->end = i;
	v->after = i;
	return true;
}

/*
 * Is a secret setting given a value at the "." at s?  back holds the nb
 * bytes written before it.  The name: "eckid" "." and a name of
 * secret_settings, in any case, either part or the whole double-quoted, or
 * in a string ('eckid.salt', $$eckid.salt$$, as set_config() takes it);
 * spaces and block comments around the ".".  Then, after spaces and
 * comments:
 *
 * - "=" or "TO" (SET, ALTER SYSTEM/DATABASE/ROLE/FUNCTION ... SET): the
 *   value, and the values after it in a list (*list);
 * - "," (set_config('eckid.salt', 'value', ...), or logged parameters
 *   "$1 = 'eckid.salt', $2 = 'value'"): one value;
 * - ":" or "changed to" (core's "invalid value for parameter "...": "...""
 *   and the postmaster's "parameter "..." changed to "...""): the rest of
 *   the line in quotes.
 *
 * Sets *v relative to s.
 */
static bool
SettingValueAt(const char *back, size_t nb, const char *s, size_t n,
			   ValueSpan *v, bool *list)
{
	size_t		p;
	size_t		k;
	bool		message = false;
	bool		found = false;

	*list = false;

	/* backwards: "eckid", perhaps quoted, then spaces */
	nb = SkipSpaceBack(back, nb);
	if (nb > 0 && back[nb - 1] == '"')
		nb--;
	if (nb < 5 || !StartsWithCI(back + nb - 5, 5, "eckid", 5) ||
		(nb > 5 && IsIdentChar((unsigned char) back[nb - 6])))
		return false;

	/* forwards: the setting's name, perhaps quoted */
	p = 1;
	if (!Gap(s, n, &p))
		return false;
	if (p < n && s[p] == '"')
		p++;
	for (size_t i = 0; i < sizeof(secret_settings) / sizeof(secret_settings[0]); i++)
	{
		if ((k = MatchWord(s + p, n - p, secret_settings[i])) > 0)
		{
			p += k;
			found = true;
			break;
		}
	}
	if (!found)
		return false;

	/* the end of the name's quotes: ", ' or $tag$ */
	if (p < n && (s[p] == '"' || s[p] == '\''))
		p++;
	else if (p < n && s[p] == '$')
	{
		size_t		q = p + 1;

		while (q < n && (IS(s[q], C_ALNUM) || s[q] == '_'))
			q++;
		if (q < n && s[q] == '$')
			p = q + 1;
	}
	if (!Gap(s, n, &p))
		return false;

	if (p < n && s[p] == '=')
	{
		p++;
		*list = true;
	}
	else if ((k = MatchWord(s + p, n - p, "to")) > 0)
	{
		p += k;
		*list = true;
	}
	else if (p < n && s[p] == ',')
	{
		p++;
		if (!Gap(s, n, &p))
			return false;
		/* "$2 = " of logged bind parameters */
		if (p + 1 < n && s[p] == '$' && IS(s[p + 1], C_DIGIT))
		{
			p++;
			while (p < n && IS(s[p], C_DIGIT))
				p++;
			if (!Gap(s, n, &p))
				return false;
			if (p >= n || s[p] != '=')
				return false;
			p++;
		}
	}
	else if (p < n && s[p] == ':')
	{
		p++;
		message = true;
	}
	else if ((k = MatchWord(s + p, n - p, "changed")) > 0)
	{
		p += k;
		if (!Gap(s, n, &p))
			return false;
		if ((k = MatchWord(s + p, n - p, "to")) == 0)
			return false;
		p += k;
		message = true;
	}
	else
		return false;
	if (!Gap(s, n, &p))
		return false;

	if (!ValueAt(s + p, n - p, message, v))
		return false;
	v->start += p;
	v->end += p;
	v->after += p;
	return true;
}

/*
 * Can a "." between these two bytes be the one of "eckid.salt" or
 * "eckid.key_file"?  A quick test before SettingValueAt(), since "." is
 * common (numbers, sentences, file names).
 */
static inline bool
MaybeSettingDot(unsigned char before, unsigned char after)
{
	return (ToLower(before) == 'd' || before == '"' || before == '/' || IsSpace(before)) &&
		(ToLower(after) == 's' || ToLower(after) == 'k' || after == '"' || after == '/' || IsSpace(after));
}

/* Are these at most REDACT_SALT_MARK's length of bytes all "*" already? */
static bool
AlreadyMasked(const char *s, size_t n)
{
	if (n > sizeof(REDACT_SALT_MARK) - 1)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		if (s[i] != '*')
			return false;
	}
	return true;
}

/*
 * For the fast path: per byte, T_HEX for a hex digit, T_STOP for a byte at
 * which it must stop ("h", "H", ".", the salt's first character in either
 * alphabet or as a byte), 0 for the rest.  A function of the salt's first
 * characters only, so it is kept from one call to the next and rebuilt when
 * they change (the salt is reloaded).
 */
#define T_HEX	0x01
#define T_STOP	0x02

/* The shortest hex run a rule looks at: the fast path stops there. */
#define FAST_RUN_STOP	REDACT_HEX_CUT_MIN

static const uint8_t *
StopTable(const SaltForms *salt)
{
	static uint8_t table[256];
	static int	built_for[3] = {-2, -2, -2};

	if (built_for[0] != salt->first_b64 || built_for[1] != salt->first_b64_alt ||
		built_for[2] != salt->first_raw)
	{
		const int	stops[] = {'h', 'H', '.', salt->first_b64, salt->first_b64_alt, salt->first_raw};

		for (int b = 0; b < 256; b++)
			table[b] = IS(b, C_HEX) ? T_HEX : 0;
		for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		{
			if (stops[i] >= 0)
				table[stops[i]] |= T_STOP;
		}
		built_for[0] = salt->first_b64;
		built_for[1] = salt->first_b64_alt;
		built_for[2] = salt->first_raw;
	}
	return table;
}

size_t
redact_text(char *out, const char *in, size_t len, const RedactOptions *opt,
			bool *changed)
{
	const char *mark = opt->ascii_only ? ASCII_ELLIPSIS : ELLIPSIS;
	SaltForms	salt;
	size_t		r = 0;			/* next byte of in to look at */
	size_t		w = 0;			/* next byte of out to write */
	bool		copying = out != NULL && out != in;
	unsigned char prev = 0;		/* the byte of in before r, 0 at the start */
	const uint8_t *stop;
	/* a secret setting's value ahead (SettingValueAt), relative to in */
	size_t		value_at = SIZE_MAX;
	ValueSpan	value = {0, 0, 0};
	bool		value_list = false;

	*changed = false;
	PrepareSalt(opt, &salt);
	stop = StopTable(&salt);

/*
 * Replace the m bytes at r by n bytes from src.  src may lie in in (the
 * digits a cut hex run keeps), hence memmove: with out == in it is never
 * after w; prev is read before the write, which may overwrite it.  Without
 * out, the first replacement is the answer.  A block rather than
 * do-while, because its continue is meant for the scan loop.
 */
#define REPLACE(m, src, n) \
	{ \
		if (out == NULL) \
		{ \
			*changed = true; \
			return 0; \
		} \
		prev = (unsigned char) in[r + (m) - 1]; \
		memmove(out + w, (src), (n)); \
		w += (n); \
		r += (m); \
		*changed = true; \
		copying = true; \
		continue; \
	}

	while (r < len)
	{
		unsigned char c = (unsigned char) in[r];
		size_t		left = len - r;
		size_t		m;

		/*
		 * The value of a secret setting, noted at its name: whatever it
		 * is, it goes.  (A rule that matched across its start leaves the
		 * rest.)  In a list, the next value is noted first.
		 */
		if (r >= value_at)
		{
			size_t		end = value.end;

			value_at = SIZE_MAX;
			if (value_list && value.after < len)
			{
				size_t		q = value.after;
				ValueSpan	next;

				if (Gap(in, len, &q) && q < len && in[q] == ',')
				{
					q++;
					if (Gap(in, len, &q) && ValueAt(in + q, len - q, false, &next))
					{
						value.start = q + next.start;
						value.end = q + next.end;
						value.after = q + next.after;
						value_at = value.start;
					}
				}
			}
			if (end > r && !AlreadyMasked(in + r, end - r))
			{
				static const char stars[] = REDACT_SALT_MARK;
				size_t		n = end - r;

				REPLACE(n, stars, n < sizeof(stars) - 1 ? n : sizeof(stars) - 1);
			}
			continue;
		}

		/*
		 * The fast path, over most of any message: skip bytes that can start
		 * nothing, and runs of fewer hex digits than any rule needs (a PGN
		 * has 8, a value core cut short REDACT_HEX_CUT_MIN).  It stops at an
		 * "h", a ".", the salt's first character, the start of a run of
		 * FAST_RUN_STOP hex digits and a secret setting's value; the checks
		 * below take over there.  Entered only outside a hex run, whose
		 * length it counts.
		 */
		if (!IS(prev, C_HEX))
		{
			size_t		k = r;
			size_t		run = 0;
			size_t		limit = value_at < len ? value_at : len;

			while (k < limit)
			{
				uint8_t		f = stop[(unsigned char) in[k]];

				if (f & T_STOP)
					break;
				/* without a branch: text mixes hex digits and others at random */
				run = (run + 1) & (0 - (size_t) (f & T_HEX));
				if (run == FAST_RUN_STOP)
				{
					k -= run - 1;	/* back to the start of the run */
					break;
				}
				k++;
			}
			/* stopped on a hex digit inside a short run: back to its start */
			if (k < len && run > 0 && run < FAST_RUN_STOP && IS(in[k], C_HEX))
				k -= run;
			if (k > r)
			{
				if (copying)
					memmove(out + w, in + r, k - r);
				w += k - r;
				r = k;
				prev = (unsigned char) in[r - 1];
				continue;
			}
		}

		if (salt.b64_len > 0 && Base64Standard(c) == salt.first_b64 &&
			(m = MatchSaltBase64(in + r, left, opt, salt.b64_len)) > 0)
			REPLACE(m, REDACT_SALT_MARK, sizeof(REDACT_SALT_MARK) - 1);

		if (salt.raw_len > 0 && c == salt.first_raw && left >= salt.raw_len &&
			memcmp(in + r, opt->salt, salt.raw_len) == 0)
			REPLACE(salt.raw_len, REDACT_SALT_MARK, sizeof(REDACT_SALT_MARK) - 1);

		if (c == 'h' || c == 'H')
		{
			EckIdValue	value;
			size_t		digits;
			bool		full;

			if ((m = MatchEckId(in + r, left, &value, &digits, &full)) > 0 &&
				(full || digits > REDACT_DIGEST_KEEP))
			{
				char		masked[ECKID_MASKED_MAXLEN + 1];
				char		cut[ECKID_PREFIX_LEN + ECKID_SEGMENT_MAX + 1 + REDACT_HEX_SHOW + MARK_LEN];
				char	   *repl;
				size_t		n;
				bool		again;

				if (full)
				{
					n = eckid_format_masked(&value, opt->ascii_only, masked);
					repl = masked;
					m += digits;
				}
				else
				{
					/*
					 * Part of a digest, as core leaves it when it cuts a
					 * long value short ("Failing row contains", COPY's
					 * context): still as identifying as the whole.  The
					 * prefix stays as written; the digits are cut like a
					 * long hex run.
					 */
					memcpy(cut, in + r, m);
					memcpy(cut + m, in + r + m, REDACT_HEX_SHOW);
					memcpy(cut + m + REDACT_HEX_SHOW, mark, MARK_LEN);
					n = m + REDACT_HEX_SHOW + MARK_LEN;
					repl = cut;
					m += digits;
					m += TruncationMark(in + r + m, left - m);
				}

				/*
				 * The segment is kept, and it is only [a-zA-Z0-9]{1,16}: a
				 * PGN or the salt could hide in it.  Redact the replacement
				 * too; it holds no digest, so this goes one level deep.
				 */
				n = redact_text(repl, repl, n, opt, &again);
				REPLACE(m, repl, n);
			}
		}

		if (IS(c, C_HEX) && !IS(prev, C_HEX))
		{
			size_t		run = RunLength(in + r, left, C_HEX);
			size_t		trunc = TruncationMark(in + r + run, left - run);

			/*
			 * A long run, or a shorter one that core cut short: the start
			 * of an HPgn or key can be enough to tell which it is.
			 */
			if (run >= REDACT_HEX_RUN ||
				(trunc > 0 && (run >= REDACT_HEX_CUT_SHORT ||
							   (run >= REDACT_HEX_CUT_MIN &&
								ClosesCutValue(in + r + run + trunc, left - run - trunc)))))
			{
				char		cut[REDACT_HEX_SHOW + MARK_LEN];

				memcpy(cut, in + r, REDACT_HEX_SHOW);
				memcpy(cut + REDACT_HEX_SHOW, mark, MARK_LEN);
				REPLACE(run + trunc, cut, sizeof(cut));
			}
		}

		if (c == '.' && r + 1 < len &&
			MaybeSettingDot(w > 0 ? (unsigned char) (copying ? out : in)[w - 1] : 0,
							(unsigned char) in[r + 1]))
		{
			ValueSpan	v;
			bool		list;

			if (SettingValueAt(copying ? out : in, copying ? w : r, in + r, left, &v, &list))
			{
				v.start += r;
				v.end += r;
				v.after += r;
				if (value_at == SIZE_MAX)
				{
					value = v;
					value_list = list;
					value_at = v.start;
				}
				else if (v.start < value_at)
				{
					/*
					 * Another setting named between a name and its value
					 * (in a comment): hide both values and what lies
					 * between rather than keep track of two.
					 */
					value.start = v.start;
					value.end = v.end > value.end ? v.end : value.end;
					value.after = v.after > value.after ? v.after : value.after;
					value_at = v.start;
				}
			}
		}

		if (salt.hex_len > 0 && IS(c, C_HEX) &&
			(m = MatchSaltHex(in + r, left, opt, salt.hex_len)) > 0)
			REPLACE(m, REDACT_SALT_MARK, sizeof(REDACT_SALT_MARK) - 1);

		if (opt->pgn && IS(c, C_DIGIT) && !IS(prev, C_DIGIT))
		{
			m = RunLength(in + r, left, C_DIGIT);
			if ((m == PGN_DIGITS || m == PGN_DIGITS - 1) && IsPgn(in + r, m))
			{
				static const char stars[PGN_DIGITS + 1] = "*********";

				REPLACE(m, stars, m);
			}
		}

		if (copying)
			out[w] = (char) c;
		w++;
		r++;
		prev = c;
	}
#undef REPLACE

	return out == NULL ? 0 : w;
}
