/*
 * exabgp.c - one ExaBGP 4.2 process-API JSON line (API format "4.0.1") to
 * events: announce, withdraw, neighbor state, end-of-RIB, notification and
 * shutdown.  See tests/fixtures/exabgp/README.md for every spelling seen.
 *
 * A line is untrusted input.  It is checked for size, and by the strictness
 * check every JSON reader shares (json_strict.h: a key given twice in any
 * object, NUL bytes, escaped or raw, invalid UTF-8, what is not JSON)
 * before json-c sees it, every member is type-checked, and events are
 * built in a private list that reaches the caller only when the whole line
 * parsed.  Errors read "<origin>: <what>: <JSON path>: <bad value>".
 *
 * tcp-flags and fragment are read from the NLRI's "string" member, because
 * ExaBGP's JSON list for them is lossy (one element per bit); every other
 * component is read from its JSON list and cross-checked with "string".
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "flowspec/exabgp.h"
#include "flowspec/log.h"
#include "json_strict.h"

#define PATH_LEN    384 /* JSON path kept for error messages */
#define NLRI_KEYS   16  /* distinct keys an NLRI object can have */
#define ECOMM_MAX   8192 /* a BGP attribute holds at most 65535 / 8 */

struct ctx {
	const struct fs_exabgp_opts *o;
	const char *origin;
	struct fs_err *err;
	struct fs_event_list tmp;   /* events of this line, moved to out at the end */
	struct fs_peer peer;
	char path[PATH_LEN];
	size_t plen;
	size_t nnlri;
};

/* ------------------------------------------------------------------ */
/* Error messages                                                      */

/* Writes s as a quoted, escaped string (fs_err_quote between double quotes). */
static void quote(char *dst, size_t cap, const char *s, size_t len)
{
	size_t o;

	if (cap < 16) {
		if (cap > 0)
			dst[0] = '\0';
		return;
	}
	dst[0] = '"';
	o = 1 + fs_err_quote(dst + 1, cap - 2, s, len);
	dst[o++] = '"';
	dst[o] = '\0';
}

/*
 * Sets err to "<origin>: <what>: <path>: <value>"; the path and the value
 * are left out when empty / NULL.  Always returns -1.
 */
static int xerr(struct ctx *c, enum fs_err_code code, const char *what,
    const char *val, size_t vlen)
{
	char q[FS_ERR_QUOTE_MAX * 4 + 16] = "";
	char w[FS_ERR_MSG_MAX];

	/* what may point into err->msg (wrapped library errors). */
	snprintf(w, sizeof(w), "%s", what);
	if (val != NULL)
		quote(q, sizeof(q), val, vlen);
	return fs_err_set(c->err, code, "%s%s%s%s%s%s%s",
	    c->origin != NULL && c->origin[0] != '\0' ? c->origin : "",
	    c->origin != NULL && c->origin[0] != '\0' ? ": " : "",
	    w, c->plen > 0 ? ": " : "", c->path,
	    val != NULL ? ": " : "", q);
}

static int xerrf(struct ctx *c, enum fs_err_code code, const char *val,
    size_t vlen, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int xerrf(struct ctx *c, enum fs_err_code code, const char *val,
    size_t vlen, const char *fmt, ...)
{
	char what[FS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return xerr(c, code, what, val, vlen);
}

static int xerr_str(struct ctx *c, enum fs_err_code code, const char *what,
    const char *val)
{
	return xerr(c, code, what, val, strlen(val));
}

/* A JSON value in an error: strings as they are, the rest as JSON text. */
static int xerr_json(struct ctx *c, enum fs_err_code code, const char *what,
    json_object *v)
{
	const char *s;

	if (json_object_get_type(v) == json_type_string)
		return xerr(c, code, what, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	return xerr_str(c, code, what, s != NULL ? s : "?");
}

/* Rewrites an error set by another module as a line error at the path. */
static int xerr_lib(struct ctx *c, const char *val, size_t vlen)
{
	return xerr(c, c->err->code, c->err->msg, val, vlen);
}

static int xerr_nomem(struct ctx *c)
{
	return xerr(c, FS_E_NOMEM, "out of memory", NULL, 0);
}

/* ------------------------------------------------------------------ */
/* JSON path                                                           */

static size_t path_key(struct ctx *c, const char *key)
{
	size_t saved = c->plen, i;
	bool plain = key[0] != '\0';
	char q[FS_ERR_QUOTE_MAX * 4 + 16];
	int n;

	for (i = 0; key[i] != '\0'; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			plain = false;
	if (plain)
		snprintf(q, sizeof(q), "%s", key);
	else
		quote(q, sizeof(q), key, strlen(key));
	n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s",
	    c->plen > 0 ? "." : "", q);
	if (n > 0)
		c->plen += (size_t)n;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return saved;
}

static size_t path_idx(struct ctx *c, size_t i)
{
	size_t saved = c->plen;
	int n;

	n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
	if (n > 0)
		c->plen += (size_t)n;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return saved;
}

static void path_restore(struct ctx *c, size_t saved)
{
	c->plen = saved;
	c->path[saved] = '\0';
}

/* ------------------------------------------------------------------ */
/* Typed member access                                                 */

static const char *type_name(enum json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_double: return "number";
	case json_type_int: return "integer";
	case json_type_object: return "object";
	case json_type_array: return "array";
	case json_type_string: return "string";
	}
	return "?";
}

/*
 * *out = member key of obj, checked to be of type t.  0 on success (*out
 * NULL if the member is absent and not required), -1 (err set) if it is
 * missing and required or of another type.
 */
static int member(struct ctx *c, json_object *obj, const char *key,
    enum json_type t, bool required, json_object **out)
{
	json_object *v = NULL;
	size_t saved;
	char what[64];
	int rc = 0;

	*out = NULL;
	saved = path_key(c, key);
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required)
			rc = xerr(c, FS_E_SYNTAX, "missing member", NULL, 0);
	} else if (json_object_get_type(v) != t) {
		snprintf(what, sizeof(what), "expected %s, got %s",
		    type_name(t), type_name(json_object_get_type(v)));
		rc = xerr_json(c, FS_E_VALUE, what, v);
	} else {
		*out = v;
	}
	path_restore(c, saved);
	return rc;
}

/* Like member() for a string; *s and *len describe it (NULL if absent). */
static int member_str(struct ctx *c, json_object *obj, const char *key,
    bool required, const char **s, size_t *len)
{
	json_object *v;

	*s = NULL;
	if (len != NULL)
		*len = 0;
	if (member(c, obj, key, json_type_string, required, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	*s = json_object_get_string(v);
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return 0;
}

/* An integer member in [lo, hi]; 0 or -1. */
static int member_int(struct ctx *c, json_object *obj, const char *key,
    int64_t lo, int64_t hi, int64_t *out)
{
	json_object *v;
	size_t saved;
	int64_t x;

	if (member(c, obj, key, json_type_int, true, &v) < 0)
		return -1;
	x = json_object_get_int64(v);
	/* get_int64 clamps, so a uint64 above INT64_MAX stays out of range. */
	if (x < lo || x > hi) {
		char what[64];

		snprintf(what, sizeof(what), "out of range %lld..%lld",
		    (long long)lo, (long long)hi);
		saved = path_key(c, key);
		xerr_json(c, FS_E_VALUE, what, v);
		path_restore(c, saved);
		return -1;
	}
	*out = x;
	return 0;
}

static bool streq(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len == n && memcmp(s, lit, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

static int ev_reserve(struct fs_event_list *l, size_t more)
{
	struct fs_event *nev;
	size_t ncap;

	if (l->cap - l->n >= more)
		return 0;
	if (more > SIZE_MAX / sizeof(*nev) - l->n)
		return -1;
	ncap = l->cap > 0 ? l->cap : 8;
	while (ncap - l->n < more)
		ncap = ncap > SIZE_MAX / 2 / sizeof(*nev) ? l->n + more : ncap * 2;
	nev = realloc(l->ev, ncap * sizeof(*nev));
	if (nev == NULL)
		return -1;
	l->ev = nev;
	l->cap = ncap;
	return 0;
}

/* Appends a new event of kind; NULL on allocation failure. */
static struct fs_event *ev_new(struct ctx *c, enum fs_ev_kind kind)
{
	struct fs_event *ev;

	if (ev_reserve(&c->tmp, 1) < 0)
		return NULL;
	ev = &c->tmp.ev[c->tmp.n++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->peer = c->peer;
	return ev;
}

/* Frees the events' routes and empties l, keeping its buffer. */
void fs_event_list_clear(struct fs_event_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		fs_route_free(l->ev[i].route);
		l->ev[i].route = NULL;
	}
	l->n = 0;
}

/* Frees the events and the buffer; l itself is the caller's (may be NULL). */
void fs_event_list_free(struct fs_event_list *l)
{
	if (l == NULL)
		return;
	fs_event_list_clear(l);
	free(l->ev);
	l->ev = NULL;
	l->cap = 0;
}

/* Default options: the clean SEQ form, FS_EXABGP_LINE_MAX. */
void fs_exabgp_opts_default(struct fs_exabgp_opts *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	fs_seq_opts_default(&o->seq);
	o->line_max = FS_EXABGP_LINE_MAX;
}

/* ------------------------------------------------------------------ */
/* Strict JSON pre-scan                                                */

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * json-c accepts more than JSON (NaN, Infinity, raw control characters in
 * strings, overlong UTF-8, \u0000 that truncates C strings) and keeps the
 * last of two equal keys: the library's one strictness check
 * (json_strict.h) refuses those, anywhere in the line, naming the offset,
 * the JSON path and the key or bytes.  Then anything that does not start
 * as an object.  0 or -1.
 */
static int prescan(struct ctx *c, const char *s, size_t len)
{
	struct fs_js_report rep;
	size_t i = 0, saved;
	int rc;

	if (fs_js_check(s, len, FS_EXABGP_DEPTH_MAX, &rep) < 0) {
		saved = c->plen;
		snprintf(c->path, sizeof(c->path), "%s", rep.path);
		c->plen = strlen(c->path);
		rc = xerrf(c, rep.code, rep.val, rep.vlen, "%s at offset %zu", rep.what, rep.off);
		path_restore(c, saved);
		return rc;
	}
	while (i < len && is_ws((unsigned char)s[i]))
		i++;
	if (i == len)
		return xerr(c, FS_E_SYNTAX, "empty line", NULL, 0);
	if (s[i] != '{')
		return xerr(c, FS_E_SYNTAX, "line is not a JSON object", s + i,
		    len - i);
	return 0;
}

/* Parses the line into a JSON object; NULL (err set) on failure. */
static json_object *parse_json(struct ctx *c, const char *s, size_t len)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error je;
	size_t end;

	if (len > INT_MAX) {
		xerrf(c, FS_E_LIMIT, NULL, 0, "line of %zu bytes", len);
		return NULL;
	}
	tok = json_tokener_new_ex(FS_EXABGP_DEPTH_MAX);
	if (tok == NULL) {
		xerr_nomem(c);
		return NULL;
	}
	/* Trailing bytes are checked below, for a clearer message. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (end > len)
		end = len;
	if (obj == NULL) {
		if (je == json_tokener_continue)
			xerrf(c, FS_E_SYNTAX, NULL, 0,
			    "truncated JSON: line ends at offset %zu inside the object",
			    len);
		else if (je == json_tokener_error_depth)
			xerrf(c, FS_E_LIMIT, NULL, 0,
			    "JSON nested deeper than %d at offset %zu",
			    FS_EXABGP_DEPTH_MAX, end);
		else
			xerrf(c, FS_E_SYNTAX, s + end, len - end,
			    "invalid JSON (%s) at offset %zu",
			    json_tokener_error_desc(je), end);
		return NULL;
	}
	while (end < len && is_ws((unsigned char)s[end]))
		end++;
	if (end < len) {
		xerrf(c, FS_E_SYNTAX, s + end, len - end,
		    "trailing garbage after the JSON object at offset %zu", end);
		json_object_put(obj);
		return NULL;
	}
	if (json_object_get_type(obj) != json_type_object) {
		xerr(c, FS_E_SYNTAX, "line is not a JSON object", NULL, 0);
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* ------------------------------------------------------------------ */
/* Small value parsers                                                 */

/* Decimal digits only, at most UINT32_MAX; 0 or -1 (no err set). */
static int parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An IPv4 or IPv6 address; returns FS_INET / FS_INET6, or 0 if invalid. */
static int parse_ip(const char *s, size_t len, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		return FS_INET;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return FS_INET6;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Neighbor, state, EOR, notification                                  */

static int parse_addr_member(struct ctx *c, json_object *obj, const char *key,
    char *dst, size_t cap)
{
	const char *s;
	size_t len, saved;
	uint8_t a[16];

	if (member_str(c, obj, key, true, &s, &len) < 0)
		return -1;
	if (len >= cap || parse_ip(s, len, a) == 0) {
		saved = path_key(c, key);
		xerr(c, FS_E_VALUE, "invalid IP address", s, len);
		path_restore(c, saved);
		return -1;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* Fills c->peer from neighbor.address and neighbor.asn; 0 or -1. */
static int parse_peer(struct ctx *c, json_object *nb)
{
	json_object *addr, *asn;
	size_t saved;
	int64_t x;
	int rc = -1;

	saved = path_key(c, "neighbor");
	if (member(c, nb, "address", json_type_object, true, &addr) < 0 ||
	    member(c, nb, "asn", json_type_object, true, &asn) < 0)
		goto out;
	path_key(c, "address");
	if (parse_addr_member(c, addr, "peer", c->peer.addr,
	    sizeof(c->peer.addr)) < 0 ||
	    parse_addr_member(c, addr, "local", c->peer.local,
	    sizeof(c->peer.local)) < 0)
		goto out;
	path_restore(c, saved);
	path_key(c, "neighbor");
	path_key(c, "asn");
	if (member_int(c, asn, "peer", 0, UINT32_MAX, &x) < 0)
		goto out;
	c->peer.asn = (uint32_t)x;
	if (member_int(c, asn, "local", 0, UINT32_MAX, &x) < 0)
		goto out;
	c->peer.local_asn = (uint32_t)x;
	rc = 0;
out:
	path_restore(c, saved);
	return rc;
}

static int get_neighbor(struct ctx *c, json_object *root, json_object **nb)
{
	if (member(c, root, "neighbor", json_type_object, true, nb) < 0)
		return -1;
	return parse_peer(c, *nb);
}

/* Copies a reason, replacing control characters, truncated to cap. */
static void copy_reason(char *dst, size_t cap, const char *s, size_t len)
{
	size_t i;

	if (len >= cap)
		len = cap - 1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[len] = '\0';
}

static int parse_state(struct ctx *c, json_object *root)
{
	static const struct {
		const char *name;
		enum fs_peer_state st;
	} states[] = {
		{ "connected", FS_PEER_CONNECTED },
		{ "up", FS_PEER_UP },
		{ "down", FS_PEER_DOWN },
	};
	json_object *nb;
	struct fs_event *ev;
	const char *s, *reason;
	size_t len, rlen, i, saved;

	if (get_neighbor(c, root, &nb) < 0)
		return -1;
	saved = path_key(c, "neighbor");
	if (member_str(c, nb, "state", true, &s, &len) < 0 ||
	    member_str(c, nb, "reason", false, &reason, &rlen) < 0) {
		path_restore(c, saved);
		return -1;
	}
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (streq(s, len, states[i].name))
			break;
	if (i == sizeof(states) / sizeof(states[0])) {
		path_key(c, "state");
		xerr(c, FS_E_UNKNOWN, "unknown neighbor state", s, len);
		path_restore(c, saved);
		return -1;
	}
	path_restore(c, saved);
	if ((ev = ev_new(c, FS_EV_STATE)) == NULL)
		return xerr_nomem(c);
	ev->state = states[i].st;
	if (reason != NULL)
		copy_reason(ev->reason, sizeof(ev->reason), reason, rlen);
	return 0;
}

/* "ipv4 flow" / "ipv6 flow" (or afi + safi of an EOR) to a family. */
static int flow_family(const char *afi, size_t alen, const char *safi,
    size_t slen)
{
	if (!streq(safi, slen, "flow"))
		return 0;
	if (streq(afi, alen, "ipv4"))
		return FS_INET;
	if (streq(afi, alen, "ipv6"))
		return FS_INET6;
	return 0;
}

static int family_of_key(const char *key)
{
	if (strcmp(key, "ipv4 flow") == 0)
		return FS_INET;
	if (strcmp(key, "ipv6 flow") == 0)
		return FS_INET6;
	return 0;
}

static int parse_eor(struct ctx *c, json_object *eor)
{
	struct fs_event *ev;
	const char *afi, *safi;
	size_t alen, slen;
	char fam[128];
	int f;

	if (member_str(c, eor, "afi", true, &afi, &alen) < 0 ||
	    member_str(c, eor, "safi", true, &safi, &slen) < 0)
		return -1;
	f = flow_family(afi, alen, safi, slen);
	if (f == 0) {
		snprintf(fam, sizeof(fam), "%.*s %.*s", (int)(alen > 48 ? 48 : alen),
		    afi, (int)(slen > 48 ? 48 : slen), safi);
		return xerr_str(c, FS_E_UNSUPPORTED, "unsupported family", fam);
	}
	if ((ev = ev_new(c, FS_EV_EOR)) == NULL)
		return xerr_nomem(c);
	ev->family = (enum fs_family)f;
	return 0;
}

static int parse_notification(struct ctx *c, json_object *root)
{
	json_object *v, *nb, *no;
	struct fs_event *ev;
	size_t saved;
	int64_t code, sub;

	if (json_object_object_get_ex(root, "notification", &v)) {
		/* The receiving ExaBGP's own exit: no neighbor. */
		if (v == NULL || json_object_get_type(v) != json_type_string) {
			saved = path_key(c, "notification");
			if (v == NULL)
				xerr_str(c, FS_E_VALUE, "expected string or neighbor "
				    "notification", "null");
			else
				xerr_json(c, FS_E_VALUE, "expected string or "
				    "neighbor notification", v);
			path_restore(c, saved);
			return -1;
		}
		if (strcmp(json_object_get_string(v), "shutdown") != 0) {
			saved = path_key(c, "notification");
			xerr_json(c, FS_E_UNKNOWN, "unknown notification", v);
			path_restore(c, saved);
			return -1;
		}
		if ((ev = ev_new(c, FS_EV_SHUTDOWN)) == NULL)
			return xerr_nomem(c);
		memset(&ev->peer, 0, sizeof(ev->peer));
		return 0;
	}
	if (get_neighbor(c, root, &nb) < 0)
		return -1;
	saved = path_key(c, "neighbor");
	if (member(c, nb, "notification", json_type_object, true, &no) < 0)
		goto fail;
	path_key(c, "notification");
	if (member_int(c, no, "code", 0, 255, &code) < 0 ||
	    member_int(c, no, "subcode", 0, 255, &sub) < 0)
		goto fail;
	path_restore(c, saved);
	if ((ev = ev_new(c, FS_EV_NOTIFICATION)) == NULL)
		return xerr_nomem(c);
	ev->code = (uint8_t)code;
	ev->subcode = (uint8_t)sub;
	return 0;
fail:
	path_restore(c, saved);
	return -1;
}

/* ------------------------------------------------------------------ */
/* NLRI components                                                     */

#define F4 0x1
#define F6 0x2

static const struct comp_key {
	const char *name;
	int type;
	unsigned fams;
} comp_keys[] = {
	{ "destination-ipv4", FS_C_DST, F4 },
	{ "destination-ipv6", FS_C_DST, F6 },
	{ "source-ipv4", FS_C_SRC, F4 },
	{ "source-ipv6", FS_C_SRC, F6 },
	{ "protocol", FS_C_PROTO, F4 },
	{ "next-header", FS_C_PROTO, F6 },
	{ "port", FS_C_PORT, F4 | F6 },
	{ "destination-port", FS_C_DPORT, F4 | F6 },
	{ "source-port", FS_C_SPORT, F4 | F6 },
	{ "icmp-type", FS_C_ICMP_TYPE, F4 | F6 },
	{ "icmp-code", FS_C_ICMP_CODE, F4 | F6 },
	{ "tcp-flags", FS_C_TCP_FLAGS, F4 | F6 },
	{ "packet-length", FS_C_PKT_LEN, F4 | F6 },
	{ "dscp", FS_C_DSCP, F4 },
	{ "traffic-class", FS_C_DSCP, F6 },
	{ "fragment", FS_C_FRAGMENT, F4 | F6 },
	{ "flow-label", FS_C_FLOW_LABEL, F6 },
};

struct name_val {
	const char *name;
	uint32_t val;
};

/* ExaBGP's protocol names (exabgp/protocol/__init__.py). */
static const struct name_val proto_names[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "egp", 8 },
	{ "udp", 17 }, { "rsvp", 46 }, { "gre", 47 }, { "esp", 50 },
	{ "ah", 51 }, { "ospf", 89 }, { "ipip", 94 }, { "pim", 103 },
	{ "sctp", 132 },
};

/* ExaBGP's ICMP type names, used for ipv6 flow too. */
static const struct name_val icmp_names[] = {
	{ "echo-reply", 0 }, { "unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 }, { "echo-request", 8 },
	{ "router-advertisement", 9 }, { "router-solicit", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp", 13 }, { "timestamp-reply", 14 },
	{ "info-request", 15 }, { "info-reply", 16 },
	{ "mask-request", 17 }, { "mask-reply", 18 }, { "traceroute", 30 },
	{ "experimental-mobility", 41 }, { "extended-echo-request", 42 },
	{ "extended-echo-reply", 43 }, { "experimental-one", 253 },
	{ "experimental-two", 254 },
};

static const struct name_val tcp_names[] = {
	{ "fin", FS_TCP_FIN }, { "syn", FS_TCP_SYN }, { "rst", FS_TCP_RST },
	{ "push", FS_TCP_PSH }, { "ack", FS_TCP_ACK }, { "urg", FS_TCP_URG },
	{ "ece", FS_TCP_ECE }, { "cwr", FS_TCP_CWR }, { "ns", FS_TCP_NS },
};

static const struct name_val frag_names[] = {
	{ "dont-fragment", FS_FRAG_DF }, { "is-fragment", FS_FRAG_ISF },
	{ "first-fragment", FS_FRAG_FF }, { "last-fragment", FS_FRAG_LF },
	{ "not-a-fragment", 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const struct name_val *tab, size_t n, const char *s,
    size_t len, uint32_t *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (streq(s, len, tab[i].name)) {
			*out = tab[i].val;
			return 0;
		}
	return -1;
}

static const struct comp_key *comp_lookup(const char *key)
{
	size_t i;

	for (i = 0; i < NELEM(comp_keys); i++)
		if (strcmp(key, comp_keys[i].name) == 0)
			return &comp_keys[i];
	return NULL;
}

/* Strips a literal prefix; true if s started with it. */
static bool eat(const char **s, size_t *len, const char *lit)
{
	size_t n = strlen(lit);

	if (*len < n || memcmp(*s, lit, n) != 0)
		return false;
	*s += n;
	*len -= n;
	return true;
}

/* The value of one numeric term: a number, or a name for proto / ICMP type. */
static int numeric_value(int t, const char *s, size_t len, uint32_t *out)
{
	const char *p = s;
	size_t n = len;

	if (parse_u32(s, len, out) == 0)
		return 0;
	if (t == FS_C_PROTO) {
		if (lookup(proto_names, NELEM(proto_names), s, len, out) == 0)
			return 0;
		if (eat(&p, &n, "unknown protocol type "))
			return parse_u32(p, n, out);
	} else if (t == FS_C_ICMP_TYPE) {
		if (lookup(icmp_names, NELEM(icmp_names), s, len, out) == 0)
			return 0;
		if (eat(&p, &n, "unknown icmp type type "))
			return parse_u32(p, n, out);
	}
	return -1;
}

/* One "&"-joined list element of a numeric component: an OR-ed term group. */
static int parse_numeric_elem(struct ctx *c, struct fs_route *r,
    const struct comp_key *ck, const char *s, size_t len)
{
	static const struct {
		const char *lit;
		uint8_t op;
	} ops[] = {
		{ ">=", FS_OP_GT | FS_OP_EQ }, { "<=", FS_OP_LT | FS_OP_EQ },
		{ "!=", FS_OP_LT | FS_OP_GT }, { "=", FS_OP_EQ },
		{ ">", FS_OP_GT }, { "<", FS_OP_LT },
	};
	const char *p = s, *amp, *v;
	size_t rest = len, n, vn, k;
	uint32_t value;
	uint8_t op;
	bool first = true;

	if (len == 0)
		return xerr(c, FS_E_SYNTAX, "empty term", s, len);
	for (;;) {
		amp = memchr(p, '&', rest);
		n = amp != NULL ? (size_t)(amp - p) : rest;
		if (n == 0)
			return xerrf(c, FS_E_SYNTAX, s, len,
			    "empty term in %s", ck->name);
		if (streq(p, n, "true") || streq(p, n, "false")) {
			/* RFC 8955 §4.2.1.1: lt|gt|eq = true, none = false. */
			op = p[0] == 't' ? (FS_OP_LT | FS_OP_GT | FS_OP_EQ) : 0;
			value = 0;
		} else {
			for (k = 0; k < NELEM(ops); k++)
				if (n > strlen(ops[k].lit) &&
				    memcmp(p, ops[k].lit, strlen(ops[k].lit)) == 0)
					break;
			if (k == NELEM(ops))
				return xerrf(c, FS_E_SYNTAX, s, len,
				    "%s term without a valid operator",
				    ck->name);
			op = ops[k].op;
			v = p + strlen(ops[k].lit);
			vn = n - strlen(ops[k].lit);
			if (numeric_value(ck->type, v, vn, &value) < 0)
				return xerrf(c, FS_E_VALUE, s, len,
				    "invalid %s value", ck->name);
			if (value > fs_ctype_max_value(ck->type))
				return xerrf(c, FS_E_VALUE, s, len,
				    "%s value %u out of range 0..%u", ck->name,
				    (unsigned)value,
				    (unsigned)fs_ctype_max_value(ck->type));
		}
		if (!first)
			op |= FS_OP_AND;
		if (fs_route_add_term(r, ck->type, op, value, c->err) < 0)
			return xerr_lib(c, s, len);
		first = false;
		if (amp == NULL)
			return 0;
		rest -= n + 1;
		p = amp + 1;
		if (rest == 0)
			return xerrf(c, FS_E_SYNTAX, s, len,
			    "empty term in %s", ck->name);
	}
}

/* One bitmask term "[!][=]name+name..." (string form); 0 or -1. */
static int parse_bitmask_term(struct ctx *c, const struct comp_key *ck,
    const char *s, size_t len, const char *span, size_t spanlen,
    uint8_t *opp, uint32_t *valp)
{
	const struct name_val *tab = ck->type == FS_C_TCP_FLAGS ? tcp_names :
	    frag_names;
	size_t ntab = ck->type == FS_C_TCP_FLAGS ? NELEM(tcp_names) :
	    NELEM(frag_names);
	const char *plus;
	uint32_t bit, value = 0;
	uint8_t op = 0;
	size_t n;
	bool zero = false, any = false;

	/* "!=" not all set, "=" all set, "!" none set, no prefix: any set. */
	if (eat(&s, &len, "!="))
		op = FS_OP_NOT | FS_OP_MATCH;
	else if (eat(&s, &len, "="))
		op = FS_OP_MATCH;
	else if (eat(&s, &len, "!"))
		op = FS_OP_NOT;
	for (;;) {
		plus = memchr(s, '+', len);
		n = plus != NULL ? (size_t)(plus - s) : len;
		if (n == 0 || lookup(tab, ntab, s, n, &bit) < 0)
			return xerrf(c, FS_E_VALUE, span, spanlen,
			    "invalid %s bit name", ck->name);
		if (bit == 0)
			zero = true;
		else if (value & bit)
			return xerrf(c, FS_E_SYNTAX, span, spanlen,
			    "%s bit repeated", ck->name);
		value |= bit;
		if (any && zero)
			return xerrf(c, FS_E_SYNTAX, span, spanlen,
			    "not-a-fragment combined with other bits in %s",
			    ck->name);
		any = true;
		if (plus == NULL)
			break;
		len -= n + 1;
		s = plus + 1;
	}
	*opp = op;
	*valp = value;
	return 0;
}

/*
 * A bitmask component from its "string" span: "tok" or "[ g1 g2 ... ]";
 * groups are OR-ed, '&' joins AND-ed terms inside a group.
 */
static int parse_bitmask_span(struct ctx *c, struct fs_route *r,
    const struct comp_key *ck, const char *span, size_t spanlen)
{
	const char *s = span, *sp, *amp;
	size_t len = spanlen, g, n;
	uint32_t value = 0;
	uint8_t op = 0;
	bool first;

	if (len >= 4 && s[0] == '[' && s[1] == ' ' && s[len - 1] == ']' &&
	    s[len - 2] == ' ') {
		s += 2;
		len -= 4;
	} else if (memchr(s, ' ', len) != NULL || memchr(s, '[', len) != NULL ||
	    memchr(s, ']', len) != NULL) {
		return xerrf(c, FS_E_SYNTAX, span, spanlen,
		    "malformed %s value in string", ck->name);
	}
	if (len == 0)
		return xerrf(c, FS_E_SYNTAX, span, spanlen, "empty %s value",
		    ck->name);
	for (;;) {
		sp = memchr(s, ' ', len);
		g = sp != NULL ? (size_t)(sp - s) : len;
		if (g == 0 || memchr(s, '[', g) != NULL ||
		    memchr(s, ']', g) != NULL)
			return xerrf(c, FS_E_SYNTAX, span, spanlen,
			    "malformed %s value in string", ck->name);
		first = true;
		for (;;) {
			amp = memchr(s, '&', g);
			n = amp != NULL ? (size_t)(amp - s) : g;
			if (n == 0)
				return xerrf(c, FS_E_SYNTAX, span, spanlen,
				    "empty %s term", ck->name);
			if (parse_bitmask_term(c, ck, s, n, span, spanlen, &op,
			    &value) < 0)
				return -1;
			if (!first)
				op |= FS_OP_AND;
			if (fs_route_add_term(r, ck->type, op, value, c->err) < 0)
				return xerr_lib(c, span, spanlen);
			first = false;
			if (amp == NULL)
				break;
			g -= n + 1;
			len -= n + 1;
			s = amp + 1;
			if (g == 0)
				return xerrf(c, FS_E_SYNTAX, span, spanlen,
				    "empty %s term", ck->name);
		}
		if (sp == NULL)
			return 0;
		len -= g + 1;
		s = sp + 1;
		if (len == 0)
			return xerrf(c, FS_E_SYNTAX, span, spanlen,
			    "malformed %s value in string", ck->name);
	}
}

/* "a.b.c.d/len" or "addr/len/offset" (IPv6, RFC 8956 §3.1). */
static int parse_prefix(struct ctx *c, struct fs_route *r,
    const struct comp_key *ck, const char *s, size_t len)
{
	const char *sl1, *sl2 = NULL;
	uint32_t plen, off = 0;
	uint8_t addr[16];
	unsigned maxlen = r->family == FS_INET ? 32 : 128;
	int fam;

	sl1 = memchr(s, '/', len);
	if (sl1 == NULL)
		return xerrf(c, FS_E_SYNTAX, s, len, "%s prefix without length",
		    ck->name);
	if (r->family == FS_INET6) {
		sl2 = memchr(sl1 + 1, '/', len - (size_t)(sl1 + 1 - s));
		if (sl2 == NULL)
			return xerrf(c, FS_E_SYNTAX, s, len,
			    "%s prefix without offset (addr/len/offset)",
			    ck->name);
	}
	fam = parse_ip(s, (size_t)(sl1 - s), addr);
	if (fam != r->family)
		return xerrf(c, FS_E_VALUE, s, len, "invalid %s address",
		    ck->name);
	if (parse_u32(sl1 + 1, (size_t)((sl2 != NULL ? sl2 : s + len) -
	    (sl1 + 1)), &plen) < 0 || plen > maxlen)
		return xerrf(c, FS_E_VALUE, s, len,
		    "invalid %s prefix length (0..%u)", ck->name, maxlen);
	if (sl2 != NULL && (parse_u32(sl2 + 1, (size_t)(s + len - (sl2 + 1)),
	    &off) < 0 || off > plen))
		return xerrf(c, FS_E_VALUE, s, len,
		    "invalid %s prefix offset (0..length)", ck->name);
	if (fs_route_set_prefix(r, ck->type, addr, plen, off, c->err) < 0)
		return xerr_lib(c, s, len);
	return 0;
}

/*
 * Checks that a component's JSON list is a non-empty list of strings and
 * that its "string" span says the same: "e1" for one term, "[ e1 e2 ]"
 * when the component has more than one term (how ExaBGP prints both).
 * Bitmask lists are lossy, so only their shape is checked.
 */
static int check_list(struct ctx *c, const struct comp_key *ck,
    json_object *list, const char *span, size_t spanlen)
{
	size_t i, n = json_object_array_length(list), len, nterms = 0, off;
	json_object *e;
	const char *s;
	bool same;

	if (n == 0)
		return xerr(c, FS_E_VALUE, "empty component list", NULL, 0);
	/* A bitmask list has one element per bit (9 TCP flags at most). */
	if (n > (fs_ctype_is_bitmask(ck->type) ? 9 : 1) * (size_t)FS_MAX_TERMS)
		return xerrf(c, FS_E_LIMIT, NULL, 0,
		    "%zu elements in %s (max %d terms)", n, ck->name,
		    FS_MAX_TERMS);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		if (e == NULL || json_object_get_type(e) != json_type_string) {
			size_t saved = path_idx(c, i);

			if (e == NULL)
				xerr_str(c, FS_E_VALUE, "expected string, got null",
				    "null");
			else
				xerrf(c, FS_E_VALUE, NULL, 0,
				    "expected string, got %s",
				    type_name(json_object_get_type(e)));
			path_restore(c, saved);
			return -1;
		}
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		nterms++;
		for (off = 0; off < len; off++)
			if (s[off] == '&')
				nterms++;
	}
	if (fs_ctype_is_bitmask(ck->type))
		return 0;
	if (nterms > FS_MAX_TERMS)
		return xerrf(c, FS_E_LIMIT, NULL, 0,
		    "%zu terms in %s (max %d)", nterms, ck->name, FS_MAX_TERMS);
	/* Compare without building the expected text. */
	same = true;
	off = 0;
	if (nterms > 1) {
		same = spanlen >= 4 && memcmp(span, "[ ", 2) == 0 &&
		    memcmp(span + spanlen - 2, " ]", 2) == 0;
		off = 2;
	}
	for (i = 0; same && i < n; i++) {
		e = json_object_array_get_idx(list, i);
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		if (i > 0) {
			if (off >= spanlen || span[off] != ' ') {
				same = false;
				break;
			}
			off++;
		}
		if (spanlen - off < len || memcmp(span + off, s, len) != 0)
			same = false;
		off += len;
	}
	if (same)
		same = off + (nterms > 1 ? 2 : 0) == spanlen;
	if (!same)
		return xerrf(c, FS_E_SYNTAX, span, spanlen,
		    "%s list disagrees with the NLRI string", ck->name);
	return 0;
}

struct nlri_key {
	const char *name;
	json_object *val;
	const struct comp_key *ck; /* NULL for next-hop */
	const char *span;          /* its value in "string" */
	size_t spanlen;
};

/* Finds " word " as a whole token in s[from..len); its offset or len. */
static size_t find_token(const char *s, size_t len, size_t from,
    const char *word)
{
	size_t wl = strlen(word), i;

	for (i = from; i + wl + 2 <= len; i++)
		if (s[i] == ' ' && memcmp(s + i + 1, word, wl) == 0 &&
		    s[i + 1 + wl] == ' ')
			return i;
	return len;
}

/*
 * Splits "flow k1 v1 k2 v2 ..." along the NLRI's JSON keys (same order):
 * each value is "[ ... ]" or runs up to the next key.  Values of other
 * keys may contain spaces ("=unknown protocol type 58").  0 or -1.
 */
static int split_string(struct ctx *c, const char *s, size_t len,
    struct nlri_key *keys, size_t nkeys)
{
	size_t pos, i, kl, vs, ve, all = len;
	const char *rb, *whole = s;

	if (!eat(&s, &len, "flow"))
		return xerr(c, FS_E_SYNTAX, "NLRI string does not start with "
		    "\"flow\"", s, len);
	for (pos = 0, i = 0; i < nkeys; i++) {
		kl = strlen(keys[i].name);
		if (len - pos < kl + 2 || s[pos] != ' ' ||
		    memcmp(s + pos + 1, keys[i].name, kl) != 0 ||
		    s[pos + 1 + kl] != ' ')
			return xerrf(c, FS_E_SYNTAX, whole, all,
			    "NLRI string lacks %s at offset %zu",
			    keys[i].name, pos + 4);
		vs = pos + kl + 2;
		if (vs < len && s[vs] == '[') {
			rb = memchr(s + vs, ']', len - vs);
			if (rb == NULL || s[rb - s - 1] != ' ')
				return xerrf(c, FS_E_SYNTAX, s + vs, len - vs,
				    "unterminated [ in NLRI string for %s",
				    keys[i].name);
			ve = (size_t)(rb - s) + 1;
		} else if (i + 1 < nkeys) {
			ve = find_token(s, len, vs, keys[i + 1].name);
		} else {
			ve = len;
		}
		if (ve <= vs || s[vs] == ' ')
			return xerrf(c, FS_E_SYNTAX, s + pos, len - pos,
			    "empty %s value in NLRI string", keys[i].name);
		keys[i].span = s + vs;
		keys[i].spanlen = ve - vs;
		pos = ve;
	}
	if (pos != len)
		return xerr(c, FS_E_SYNTAX, "NLRI string has more than the "
		    "JSON members", s + pos, len - pos);
	return 0;
}

/* The NLRI's members but "string", in order, checked to be known keys. */
static int collect_keys(struct ctx *c, int fam, json_object *obj,
    struct nlri_key *keys, size_t *nkeys)
{
	struct json_object_iterator it, end;
	const struct comp_key *ck;
	const char *name;

	*nkeys = 0;
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		if (strcmp(name, "string") == 0)
			continue;
		ck = NULL;
		if (strcmp(name, "next-hop") != 0) {
			ck = comp_lookup(name);
			if (ck == NULL)
				return xerr_str(c, FS_E_UNKNOWN,
				    "unknown component", name);
			if (!(ck->fams & (fam == FS_INET ? F4 : F6)))
				return xerrf(c, FS_E_UNKNOWN, name, strlen(name),
				    "component not valid in %s flow NLRI",
				    fam == FS_INET ? "ipv4" : "ipv6");
		}
		if (*nkeys == NLRI_KEYS) /* cannot happen: keys are unique */
			return xerr(c, FS_E_LIMIT, "too many NLRI members",
			    NULL, 0);
		keys[*nkeys].name = name;
		keys[*nkeys].val = json_object_iter_peek_value(&it);
		keys[*nkeys].ck = ck;
		(*nkeys)++;
	}
	return 0;
}

/* An NLRI's "next-hop": an address, the announce's (nhfam -1: unchecked). */
static int check_nlri_nexthop(struct ctx *c, const struct nlri_key *k,
    int nhfam, const uint8_t *nh)
{
	json_object *v = k->val;
	uint8_t a[16];

	if (v == NULL)
		return xerr_str(c, FS_E_VALUE, "expected string", "null");
	if (json_object_get_type(v) != json_type_string)
		return xerr_json(c, FS_E_VALUE, "expected string", v);
	if (!streq(k->span, k->spanlen, json_object_get_string(v)))
		return xerr(c, FS_E_SYNTAX, "next-hop disagrees with the NLRI "
		    "string", k->span, k->spanlen);
	if (parse_ip(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), a) == 0)
		return xerr_json(c, FS_E_VALUE, "invalid next-hop", v);
	if (nhfam >= 0 && (nhfam == 0 || memcmp(a, nh, 16) != 0))
		return xerr_json(c, FS_E_VALUE, "next-hop is not the "
		    "announce's next hop", v);
	return 0;
}

/*
 * One component of an NLRI into r.  The path names the component; base
 * is the path of the NLRI, for errors in its "string".
 */
static int parse_component(struct ctx *c, struct fs_route *r,
    const struct nlri_key *k, size_t base)
{
	const struct comp_key *ck = k->ck;
	json_object *v = k->val, *e;
	size_t j, n, saved;

	if (v == NULL)
		return xerr_str(c, FS_E_VALUE, "expected array", "null");
	if (json_object_get_type(v) != json_type_array)
		return xerr_json(c, FS_E_VALUE, "expected array", v);
	if (check_list(c, ck, v, k->span, k->spanlen) < 0)
		return -1;
	n = json_object_array_length(v);
	if (ck->type == FS_C_DST || ck->type == FS_C_SRC) {
		if (n != 1)
			return xerr(c, FS_E_VALUE, "prefix list must have one "
			    "element", k->span, k->spanlen);
		e = json_object_array_get_idx(v, 0);
		saved = path_idx(c, 0);
		if (parse_prefix(c, r, ck, json_object_get_string(e),
		    (size_t)json_object_get_string_len(e)) < 0)
			return -1;
		path_restore(c, saved);
		return 0;
	}
	if (fs_ctype_is_bitmask(ck->type)) {
		/* The list is lossy: the terms come from "string" (README). */
		path_restore(c, base);
		path_key(c, "string");
		if (parse_bitmask_span(c, r, ck, k->span, k->spanlen) < 0)
			return -1;
		path_restore(c, base);
		path_key(c, k->name);
		return 0;
	}
	for (j = 0; j < n; j++) {
		e = json_object_array_get_idx(v, j);
		saved = path_idx(c, j);
		if (parse_numeric_elem(c, r, ck, json_object_get_string(e),
		    (size_t)json_object_get_string_len(e)) < 0)
			return -1;
		path_restore(c, saved);
	}
	return 0;
}

/*
 * Builds one route from an NLRI object.  nh/nhfam: the announce's next
 * hop (nhfam 0 for "no-nexthop"; -1 for a withdraw, which is not checked).
 * 0 with *out set, or -1.
 */
static int parse_nlri(struct ctx *c, int fam, json_object *obj, int nhfam,
    const uint8_t *nh, struct fs_route **out)
{
	struct nlri_key keys[NLRI_KEYS];
	struct fs_route *r;
	const char *str = NULL;
	size_t slen = 0, nkeys = 0, i, saved;
	int rc;

	*out = NULL;
	if (collect_keys(c, fam, obj, keys, &nkeys) < 0 ||
	    member_str(c, obj, "string", true, &str, &slen) < 0)
		return -1;
	saved = path_key(c, "string");
	rc = split_string(c, str, slen, keys, nkeys);
	path_restore(c, saved);
	if (rc < 0)
		return -1;

	r = fs_route_new((enum fs_family)fam);
	if (r == NULL)
		return xerr_nomem(c);
	for (i = 0; i < nkeys; i++) {
		saved = path_key(c, keys[i].name);
		if (keys[i].ck == NULL)
			rc = check_nlri_nexthop(c, &keys[i], nhfam, nh);
		else
			rc = parse_component(c, r, &keys[i], saved);
		if (rc < 0)
			goto fail;
		path_restore(c, saved);
	}
	if (fs_route_validate(r, c->err) < 0) {
		xerr_lib(c, str, slen);
		goto fail;
	}
	*out = r;
	return 0;
fail:
	fs_route_free(r);
	return -1;
}

/* ------------------------------------------------------------------ */
/* UPDATE                                                              */

/* Actions of one UPDATE, decoded once and copied into each announce. */
struct update_attrs {
	struct fs_route act;   /* only act, rts, nrts, has_seq, seq are used */
	bool ietf6;
	bool ietf6_copy;
	uint8_t ietf6_addr[16];
};

static int parse_ecomms(struct ctx *c, json_object *attr,
    struct update_attrs *ua)
{
	json_object *list, *e, *v;
	size_t i, n, saved, s2;
	uint64_t u;
	char hex[32];
	int rc = -1;

	if (member(c, attr, "extended-community", json_type_array, false,
	    &list) < 0)
		return -1;
	if (list == NULL)
		return 0;
	saved = path_key(c, "extended-community");
	n = json_object_array_length(list);
	if (n > ECOMM_MAX) {
		xerrf(c, FS_E_LIMIT, NULL, 0, "%zu extended communities "
		    "(max %d)", n, ECOMM_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		s2 = path_idx(c, i);
		if (e == NULL || json_object_get_type(e) != json_type_object) {
			if (e == NULL)
				xerr_str(c, FS_E_VALUE, "expected object", "null");
			else
				xerr_json(c, FS_E_VALUE, "expected object", e);
			goto out;
		}
		if (member(c, e, "value", json_type_int, true, &v) < 0)
			goto out;
		path_key(c, "value");
		/* json-c keeps values above INT64_MAX as uint64; negative ones
		 * read as 0 through get_uint64, too large ones as UINT64_MAX. */
		u = json_object_get_uint64(v);
		if (json_object_get_int64(v) < 0 || u == UINT64_MAX) {
			xerr_json(c, FS_E_VALUE, "extended community value out "
			    "of range 0..2^64-2", v);
			goto out;
		}
		if (fs_ecomm_apply(&ua->act, u, &c->o->seq, c->err) < 0) {
			snprintf(hex, sizeof(hex), "0x%016llx",
			    (unsigned long long)u);
			xerr_lib(c, hex, strlen(hex));
			goto out;
		}
		path_restore(c, s2);
	}
	rc = 0;
out:
	path_restore(c, saved);
	return rc;
}

/* "attribute-0x19-0xC0": "redirect-to-nexthop-ietf <ipv6>" (attribute 25). */
static int parse_ietf6(struct ctx *c, json_object *attr,
    struct update_attrs *ua)
{
	const char *s, *p;
	size_t len, n, saved;
	bool copy;
	int rc = 0;

	if (member_str(c, attr, "attribute-0x19-0xC0", false, &s, &len) < 0)
		return -1;
	if (s == NULL)
		return 0;
	p = s;
	n = len;
	if (eat(&p, &n, "redirect-to-nexthop-ietf "))
		copy = false;
	else if (eat(&p, &n, "copy-to-nexthop-ietf "))
		copy = true;
	else {
		log_debug("ignoring IPv6 address-specific extended community "
		    "attribute \"%.*s\"", (int)(len > 64 ? 64 : len), s);
		return 0;
	}
	if (parse_ip(p, n, ua->ietf6_addr) != FS_INET6) {
		saved = path_key(c, "attribute-0x19-0xC0");
		rc = xerr(c, FS_E_VALUE, "invalid IPv6 redirect-to-ip address",
		    s, len);
		path_restore(c, saved);
		return rc;
	}
	ua->ietf6 = true;
	ua->ietf6_copy = copy;
	return 0;
}

static int parse_attrs(struct ctx *c, json_object *attr,
    struct update_attrs *ua)
{
	size_t saved;
	int rc;

	saved = path_key(c, "attribute");
	rc = parse_ecomms(c, attr, ua);
	if (rc == 0)
		rc = parse_ietf6(c, attr, ua);
	path_restore(c, saved);
	return rc;
}

/* Copies the UPDATE's actions and next hop into an announced route. */
static void apply_attrs(struct fs_route *r, const struct update_attrs *ua,
    int nhfam, const uint8_t *nh)
{
	struct fs_actions *a = &r->act;

	r->act = ua->act.act;
	memcpy(r->rts, ua->act.rts, sizeof(r->rts));
	r->nrts = ua->act.nrts;
	r->has_seq = ua->act.has_seq;
	r->seq = ua->act.seq;
	if (nhfam > 0) {
		r->nexthop_family = (uint8_t)nhfam;
		memcpy(r->nexthop, nh, sizeof(r->nexthop));
	}
	if (ua->ietf6) {
		if (a->redirect_ip != FS_REDIR_IP_NONE) {
			if (a->conflict[0] == '\0')
				snprintf(a->conflict, sizeof(a->conflict),
				    "two redirect-to-ip actions: extended "
				    "community and IPv6 attribute 25");
		} else {
			a->redirect_ip = FS_REDIR_IP_IETF6;
			a->redirect_ip_family = FS_INET6;
			a->redirect_ip_copy = ua->ietf6_copy;
			memcpy(a->redirect_ip_addr, ua->ietf6_addr,
			    sizeof(a->redirect_ip_addr));
		}
	}
	if (a->redirect_ip == FS_REDIR_IP_NEXTHOP && nhfam > 0) {
		a->redirect_ip_family = (uint8_t)nhfam;
		memcpy(a->redirect_ip_addr, nh, sizeof(a->redirect_ip_addr));
	}
}

/* Counts NLRIs of the line against FS_EXABGP_NLRI_MAX. */
static int count_nlri(struct ctx *c, size_t n)
{
	if (n > FS_EXABGP_NLRI_MAX - c->nnlri)
		return xerrf(c, FS_E_LIMIT, NULL, 0, "more than %d NLRIs in "
		    "one UPDATE", FS_EXABGP_NLRI_MAX);
	c->nnlri += n;
	return 0;
}

/* One list of NLRI objects; announce when ua != NULL. */
static int parse_nlri_list(struct ctx *c, int fam, json_object *list,
    const struct update_attrs *ua, int nhfam, const uint8_t *nh)
{
	struct fs_route *r;
	struct fs_event *ev;
	json_object *e;
	size_t i, n = json_object_array_length(list), saved;

	if (count_nlri(c, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		saved = path_idx(c, i);
		if (e == NULL || json_object_get_type(e) != json_type_object) {
			if (e == NULL)
				xerr_str(c, FS_E_VALUE, "expected object", "null");
			else
				xerr_json(c, FS_E_VALUE, "expected object", e);
			return -1;
		}
		if (parse_nlri(c, fam, e, ua != NULL ? nhfam : -1, nh, &r) < 0)
			return -1;
		if (ua != NULL)
			apply_attrs(r, ua, nhfam, nh);
		ev = ev_new(c, ua != NULL ? FS_EV_ANNOUNCE : FS_EV_WITHDRAW);
		if (ev == NULL) {
			fs_route_free(r);
			return xerr_nomem(c);
		}
		ev->family = (enum fs_family)fam;
		ev->route = r;
		path_restore(c, saved);
	}
	return 0;
}

/* Checks a family key of announce / withdraw; its family or -1. */
static int family_key(struct ctx *c, const char *key)
{
	int f = family_of_key(key);

	if (f == 0)
		return xerr_str(c, FS_E_UNSUPPORTED, "unsupported family", key);
	return f;
}

static int parse_withdraw(struct ctx *c, json_object *wd)
{
	struct json_object_iterator it, end;
	json_object *v;
	size_t saved;
	int fam;

	it = json_object_iter_begin(wd);
	end = json_object_iter_end(wd);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);

		if ((fam = family_key(c, key)) < 0)
			return -1;
		if (member(c, wd, key, json_type_array, true, &v) < 0)
			return -1;
		saved = path_key(c, key);
		if (parse_nlri_list(c, fam, v, NULL, 0, NULL) < 0)
			return -1;
		path_restore(c, saved);
	}
	return 0;
}

static int parse_announce(struct ctx *c, json_object *an,
    const struct update_attrs *ua)
{
	struct json_object_iterator it, end, it2, end2;
	json_object *fo, *list;
	const char *key, *nhkey;
	uint8_t nh[16];
	size_t saved, s2;
	int fam, nhfam;

	it = json_object_iter_begin(an);
	end = json_object_iter_end(an);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		if ((fam = family_key(c, key)) < 0)
			return -1;
		if (member(c, an, key, json_type_object, true, &fo) < 0)
			return -1;
		saved = path_key(c, key);
		it2 = json_object_iter_begin(fo);
		end2 = json_object_iter_end(fo);
		for (; !json_object_iter_equal(&it2, &end2);
		    json_object_iter_next(&it2)) {
			nhkey = json_object_iter_peek_name(&it2);
			memset(nh, 0, sizeof(nh));
			nhfam = 0;
			if (strcmp(nhkey, "no-nexthop") != 0) {
				nhfam = parse_ip(nhkey, strlen(nhkey), nh);
				if (nhfam == 0) {
					path_key(c, nhkey);
					return xerr_str(c, FS_E_VALUE,
					    "invalid next hop", nhkey);
				}
			}
			if (member(c, fo, nhkey, json_type_array, true,
			    &list) < 0)
				return -1;
			s2 = path_key(c, nhkey);
			if (parse_nlri_list(c, fam, list, ua, nhfam, nh) < 0)
				return -1;
			path_restore(c, s2);
		}
		path_restore(c, saved);
	}
	return 0;
}

static int parse_update_body(struct ctx *c, json_object *up)
{
	struct update_attrs ua;
	json_object *attr, *an, *wd;
	int rc;

	memset(&ua, 0, sizeof(ua));
	if (member(c, up, "attribute", json_type_object, false, &attr) < 0 ||
	    member(c, up, "announce", json_type_object, false, &an) < 0 ||
	    member(c, up, "withdraw", json_type_object, false, &wd) < 0)
		return -1;
	if (an == NULL && wd == NULL) {
		/* e.g. BIRD's RFC 8956 offset NLRIs, which ExaBGP drops. */
		log_info("UPDATE from %s without announce or withdraw "
		    "(NLRIs dropped by ExaBGP?)", c->peer.addr);
		return 0;
	}
	/* Withdrawals first: an UPDATE re-announcing what it withdraws keeps it. */
	if (wd != NULL) {
		size_t saved = path_key(c, "withdraw");

		rc = parse_withdraw(c, wd);
		if (rc < 0)
			return -1;
		path_restore(c, saved);
	}
	if (an != NULL) {
		size_t saved;

		if (attr != NULL && parse_attrs(c, attr, &ua) < 0)
			return -1;
		saved = path_key(c, "announce");
		rc = parse_announce(c, an, &ua);
		if (rc < 0)
			return -1;
		path_restore(c, saved);
	}
	return 0;
}

static int parse_update(struct ctx *c, json_object *root)
{
	json_object *nb, *msg, *up, *eor;
	const char *dir;
	size_t dlen, saved;
	int rc = -1;

	if (get_neighbor(c, root, &nb) < 0)
		return -1;
	saved = path_key(c, "neighbor");
	if (member_str(c, nb, "direction", false, &dir, &dlen) < 0)
		goto out;
	/* Messages we sent (api "send") must not install routes. */
	if (dir != NULL && !streq(dir, dlen, "receive")) {
		path_key(c, "direction");
		xerr(c, FS_E_UNSUPPORTED, "UPDATE not received", dir, dlen);
		goto out;
	}
	if (member(c, nb, "message", json_type_object, true, &msg) < 0)
		goto out;
	path_key(c, "message");
	if (member(c, msg, "eor", json_type_object, false, &eor) < 0 ||
	    member(c, msg, "update", json_type_object, false, &up) < 0)
		goto out;
	if (eor != NULL && up != NULL) {
		xerr(c, FS_E_SYNTAX, "both eor and update", NULL, 0);
		goto out;
	}
	if (eor != NULL) {
		path_key(c, "eor");
		rc = parse_eor(c, eor);
	} else if (up != NULL) {
		path_key(c, "update");
		rc = parse_update_body(c, up);
	} else {
		path_key(c, "update");
		xerr(c, FS_E_SYNTAX, "missing member", NULL, 0);
	}
out:
	path_restore(c, saved);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */

static int parse_message(struct ctx *c, json_object *root)
{
	static const char *const quiet[] = {
		"open", "keepalive", "negotiated", "refresh", "operational",
	};
	const char *type, *ver;
	size_t tlen, vlen, i, saved;

	if (member_str(c, root, "exabgp", false, &ver, &vlen) < 0 ||
	    member_str(c, root, "type", true, &type, &tlen) < 0)
		return -1;
	if (streq(type, tlen, "state"))
		return parse_state(c, root);
	if (streq(type, tlen, "update"))
		return parse_update(c, root);
	if (streq(type, tlen, "notification"))
		return parse_notification(c, root);
	for (i = 0; i < NELEM(quiet); i++)
		if (streq(type, tlen, quiet[i])) {
			log_debug("ignoring ExaBGP %s message", quiet[i]);
			return 0;
		}
	saved = path_key(c, "type");
	xerr(c, FS_E_UNKNOWN, "unknown message type", type, tlen);
	path_restore(c, saved);
	return -1;
}

/*
 * Parses one line and appends its events to out: 0, or -1 with err set and
 * out unchanged.  o NULL means the defaults; err may be NULL.
 */
int fs_exabgp_parse_line(const struct fs_exabgp_opts *o, const char *line,
    size_t len, const char *origin, struct fs_event_list *out,
    struct fs_err *err)
{
	struct fs_exabgp_opts def;
	struct fs_err local = { 0 };
	struct ctx c;
	json_object *root = NULL;
	size_t max;
	int rc = -1;

	if (o == NULL) {
		fs_exabgp_opts_default(&def);
		o = &def;
	}
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.origin = origin;
	c.err = err != NULL ? err : &local;
	fs_err_clear(c.err);
	max = o->line_max > 0 ? o->line_max : FS_EXABGP_LINE_MAX;
	if (out == NULL || (line == NULL && len > 0))
		return xerr(&c, FS_E_VALUE, "no line or no event list", NULL, 0);
	if (len > max)
		return xerrf(&c, FS_E_LIMIT, NULL, 0,
		    "line of %zu bytes exceeds the limit of %zu", len, max);
	if (len == 0)
		return xerr(&c, FS_E_SYNTAX, "empty line", NULL, 0);
	if (prescan(&c, line, len) < 0)
		goto out;
	if ((root = parse_json(&c, line, len)) == NULL)
		goto out;
	if (parse_message(&c, root) < 0)
		goto out;
	if (ev_reserve(out, c.tmp.n) < 0) {
		xerr_nomem(&c);
		goto out;
	}
	if (c.tmp.n > 0)
		memcpy(out->ev + out->n, c.tmp.ev, c.tmp.n * sizeof(*c.tmp.ev));
	out->n += c.tmp.n;
	c.tmp.n = 0; /* the routes now belong to out */
	rc = 0;
out:
	json_object_put(root);
	fs_event_list_free(&c.tmp);
	return rc;
}
