/*
 * test_frr.c - the FRR vtysh JSON reader (lib/src/frr.c): the real
 * captures in tests/fixtures/frr, the AND/OR rule for numeric components
 * (table-driven, and a property over random controller-style lists), the
 * community strings, malformed output, a truncation sweep, the summary,
 * and fs_ruleset_sync (the reconciler's diff).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "flowspec/frr.h"
#include "flowspec/log.h"
#include "flowspec/ruleset.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIXDIR FS_FIXTURES_DIR "/frr"

static char *read_file(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", FIXDIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	buf[sz] = '\0';
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static size_t count_sub(const char *s, const char *sub)
{
	size_t n = 0;

	for (s = strstr(s, sub); s != NULL; s = strstr(s + 1, sub))
		n++;
	return n;
}

/* The route whose canonical text contains sub, or NULL. */
static const struct fs_route *find_route(const struct fs_frr_snapshot *s, const char *sub)
{
	char txt[FS_TEXT_MAX];
	size_t i;

	for (i = 0; i < s->n; i++) {
		fs_route_format(s->routes[i], txt, sizeof(txt));
		if (strstr(txt, sub) != NULL)
			return s->routes[i];
	}
	return NULL;
}

/* ---- the real captures ------------------------------------------------------ */

static const struct {
	const char *file;
	int family;
	size_t lossy; /* routes the reader must mark */
} fixtures[] = {
	{ "detail-all-components.v4.json", 4, 10 },
	{ "detail-all-components.v6.json", 6, 4 },
	{ "detail-after-withdraw.v4.json", 4, 5 },
	{ "detail-after-withdraw.v6.json", 6, 1 },
	{ "detail-exabgp.v4.json", 4, 5 },
	{ "detail-exabgp.v6.json", 6, 2 },
	{ "detail-multipath.v4.json", 4, 15 },
	{ "detail-multipath.v6.json", 6, 7 },
	{ "detail-empty.v4.json", 4, 0 },
	{ "detail-empty.v6.json", 6, 0 },
};

START_TEST(test_fixture)
{
	struct fs_frr_snapshot s;
	struct fs_err err;
	size_t len, i;
	char *buf = read_file(fixtures[_i].file, &len);
	/* structure counted independently of the reader: one "time" per path,
	 * and one top-level array per NLRI ("]\n[" between them) */
	size_t paths = count_sub(buf, "\"time\":");
	size_t nlri = len == 0 ? 0 : count_sub(buf, "]\n[") + 1;

	ck_assert_msg(fs_frr_parse_detail(buf, len, (enum fs_family)fixtures[_i].family,
	    fixtures[_i].file, &s, &err) == 0, "%s: %s", fixtures[_i].file, err.msg);
	ck_assert_uint_eq(s.st.paths, paths);
	ck_assert_uint_eq(s.st.nlri, nlri);
	ck_assert_uint_eq(s.n, nlri);
	ck_assert_uint_eq(s.st.lossy, fixtures[_i].lossy);
	for (i = 0; i < s.n; i++) {
		struct fs_err e;

		ck_assert_int_eq(s.routes[i]->family, fixtures[_i].family);
		ck_assert_msg(fs_route_validate(s.routes[i], &e) == 0, "%s", e.msg);
	}
	fs_frr_snapshot_free(&s);
	free(buf);
}
END_TEST

/* Known routes of the captures, with what the reader must make of them. */
static const struct {
	const char *file, *route, *action, *loss;
} known[] = {
	{ "detail-all-components.v4.json", "inet dst 203.0.113.0/24 proto =6 dport =80",
	  "rate-bytes 0, mark 1", NULL },
	{ "detail-all-components.v4.json", "dst 203.0.113.130/32 fragment =ff,=lf",
	  NULL, NULL },
	{ "detail-all-components.v4.json", "tcp-flags =fin&!=rst", NULL, NULL },
	{ "detail-all-components.v4.json", "icmp-type =3,=11 icmp-code >=0&<=4", NULL, NULL },
	{ "detail-all-components.v4.json", "dport >24&<30,=40,>=50&<=60 sport >=1&<=5,>=10&<=15",
	  "rate-bytes 0", NULL },
	{ "detail-all-components.v4.json", "length >=0&<=63,>1500 dscp =10,=12,=14",
	  "rate-bytes 12500000", NULL },
	{ "detail-all-components.v4.json", "dport >=0&<=21,>=23&<=65535", NULL, NULL },
	{ "detail-all-components.v4.json", "dst 203.0.113.210/32", NULL, "six decimals" },
	{ "detail-all-components.v4.json", "dst 203.0.113.20/32", NULL, "terminal and sample" },
	{ "detail-all-components.v4.json", "dst 203.0.113.60/32", NULL, "15 characters" },
	{ "detail-all-components.v4.json", "dst 203.0.113.180/32", NULL, "traffic-rate-packets" },
	{ "detail-all-components.v4.json", "dst 203.0.113.240/32", "accept", NULL },
	{ "detail-all-components.v4.json", "dst 203.0.113.10/32 src 198.51.100.0/24",
	  "rate-bytes 1000, mark 2", NULL },
	{ "detail-exabgp.v4.json", "dst 203.0.113.8/32 dport false", "rate-bytes 0", NULL },
	{ "detail-exabgp.v4.json", "tcp-flags =syn,!ack", NULL, "terminal and sample" },
	{ "detail-exabgp.v4.json", "dst 203.0.113.7/32", "rt 65000:100, rt 65000:7", "UNK:128, 12" },
	{ "detail-exabgp.v4.json", "dst 203.0.113.11/32", NULL, "next hop" },
	{ "detail-exabgp.v4.json", "dst 203.0.113.2/32", "redirect-ip 192.0.2.252", NULL },
	{ "detail-exabgp.v6.json", "dst 2001:db8:1::/64", NULL, "IPv6-address-specific" },
	{ "detail-exabgp.v6.json", "/96/64", NULL, "prefix offsets" },
	{ "detail-all-components.v6.json", "flow-label >=100&<=200,=300", NULL, NULL },
	{ "detail-multipath.v4.json", "inet dst 203.0.113.0/24 proto =6 dport =80", NULL,
	  "2 paths" },
	{ "detail-multipath.v6.json", "dst 2001:db8:100::/48", NULL, "2 paths" },
};

START_TEST(test_known)
{
	struct fs_frr_snapshot s;
	struct fs_err err;
	const struct fs_route *r;
	char act[512];
	size_t len;
	char *buf = read_file(known[_i].file, &len);

	ck_assert_int_eq(fs_frr_parse_detail(buf, len, strstr(known[_i].file, ".v6.") ? FS_INET6 :
	    FS_INET, "t", &s, &err), 0);
	r = find_route(&s, known[_i].route);
	ck_assert_msg(r != NULL, "%s: no route with \"%s\"", known[_i].file, known[_i].route);
	fs_actions_format(r, act, sizeof(act));
	if (known[_i].action != NULL)
		ck_assert_msg(strstr(act, known[_i].action) != NULL, "%s: action \"%s\", want \"%s\"",
		    known[_i].route, act, known[_i].action);
	if (known[_i].loss == NULL)
		ck_assert_msg(r->source_loss[0] == '\0', "%s: unexpected loss \"%s\"", known[_i].route,
		    r->source_loss);
	else
		ck_assert_msg(strstr(r->source_loss, known[_i].loss) != NULL,
		    "%s: loss \"%s\", want \"%s\"", known[_i].route, r->source_loss, known[_i].loss);
	fs_frr_snapshot_free(&s);
	free(buf);
}
END_TEST

/* ---- one NLRI at a time ------------------------------------------------------- */

/* Parses [{"KEY":"VAL"},{"ecomlist":ECOM},{"time":"00:00:01"}] and returns the route text. */
static int one(const char *key, const char *val, const char *ecom, char *txt, size_t cap,
    char *act, size_t acap, char *lossbuf, size_t lcap, struct fs_err *err)
{
	char doc[2048];
	struct fs_frr_snapshot s;
	int fam = (strchr(val, ':') != NULL && strcmp(key, "to") == 0) ||
	    strcmp(key, "flwlbl") == 0 ? 6 : 4;

	if (ecom != NULL)
		snprintf(doc, sizeof(doc), "[\n  {\n    \"to\":\"%s\",\n    \"%s\":\"%s\"\n  },\n  {\n"
		    "    \"ecomlist\":\"%s\"\n  },\n  {\n    \"time\":\"00:00:01\"\n  }\n]\n",
		    fam == 6 ? "2001:db8::/32/off 0" : "192.0.2.0/24", key, val, ecom);
	else
		snprintf(doc, sizeof(doc), "[{\"%s\":\"%s\"},{\"time\":\"00:00:01\"}]", key, val);
	if (fs_frr_parse_detail(doc, strlen(doc), (enum fs_family)fam, "t", &s, err) < 0)
		return -1;
	ck_assert_uint_eq(s.n, 1);
	fs_route_format(s.routes[0], txt, cap);
	fs_actions_format(s.routes[0], act, acap);
	snprintf(lossbuf, lcap, "%s", s.routes[0]->source_loss);
	fs_frr_snapshot_free(&s);
	return 0;
}

/* The AND/OR rule: FRR's string -> our reading, or "?" for a refusal. */
static const struct {
	const char *key, *val, *want;
} readings[] = {
	{ "dstp", "= 80 , = 443 , = 8080 ", "dport =80,=443,=8080" },
	{ "dstp", ">= 1024 , <= 2048 ", "dport >=1024&<=2048" },
	{ "dstp", "> 1024 , < 2048 ", "dport >1024&<2048" },
	{ "dstp", "< 80 , > 80 ", "dport <80,>80" },
	{ "pktlen", "> 24 , < 30 , = 40 , >= 50 , <= 60 ", "length >24&<30,=40,>=50&<=60" },
	{ "dstp", ">= 0 , <= 21 , >= 23 , <= 65535 ", "dport >=0&<=21,>=23&<=65535" },
	{ "dstp", ">= 60 , <= 50 ", "dport >=60,<=50" },       /* empty as AND: OR it is */
	{ "dstp", ">= 1000 , <= 2000 , = 3000 ", "dport >=1000&<=2000,=3000" },
	{ "dstp", " 0 ", "dport false" },
	{ "dstp", ">= 50 , <= 50 ", "dport >=50&<=50" },
	{ "proto", "= 6 ", "proto =6" },
	{ "dstp", ">= 10 , <= 20 , <= 30 ", "?" },             /* [10,20] | <=30 overlap */
	{ "dstp", "<= 20 , >= 10 ", "?" },                     /* upper then lower, overlapping */
	{ "dstp", "> 50 , < 51 ", "dport >50,<51" },           /* empty as AND: OR (all) */
	{ "dstp", "= 80 , >= 70 , <= 90 ", "?" },
	{ "dstp", "= 80 , = 80 ", "?" },
	{ "dstp", "<> 80 ", "dport !=80" },                    /* != alone is unambiguous */
	{ "dscp", "= 46 , = 10 ", "dscp =46,=10" },
	{ "flwlbl", ">= 100 , <= 200 , = 300 ", "flow-label >=100&<=200,=300" },
	{ "tcp", "= 2,&" "\xe2\x88\x8b" " ! 16", "tcp-flags =syn&!ack" },
	{ "tcp", "\xe2\x88\x8b" " 2,&" "\xe2\x88\x8b" " ! 16", "tcp-flags syn&!ack" },
	{ "tcp", "= 18,|= 4", "tcp-flags =syn+ack,=rst" },
	{ "pktfrag", "\xe2\x88\x8b" " 0", "fragment 0" },
	{ "pktfrag", "= 4,|= 8", "fragment =ff,=lf" },
	{ "to", "2001:db8:100::/48/off 0", "inet6 dst 2001:db8:100::/48" },
	{ "to", "2001:db8:100::/48", "inet6 dst 2001:db8:100::/48" },
	{ "to", "::/0/off 0", "inet6 dst ::/0" },
};

START_TEST(test_reading)
{
	char txt[FS_TEXT_MAX], act[256], lossbuf[200];
	struct fs_err err;

	ck_assert_msg(one(readings[_i].key, readings[_i].val, NULL, txt, sizeof(txt), act,
	    sizeof(act), lossbuf, sizeof(lossbuf), &err) == 0, "\"%s\": %s", readings[_i].val,
	    err.msg);
	if (strcmp(readings[_i].want, "?") == 0) {
		ck_assert_msg(strstr(lossbuf, "AND/OR") != NULL, "\"%s\" read as %s, not refused",
		    readings[_i].val, txt);
	} else {
		ck_assert_msg(lossbuf[0] == '\0', "\"%s\": refused: %s", readings[_i].val, lossbuf);
		ck_assert_msg(strstr(txt, readings[_i].want) != NULL, "\"%s\" read as \"%s\", want "
		    "\"%s\"", readings[_i].val, txt, readings[_i].want);
	}
}
END_TEST

/* Community strings -> actions or a loss. */
static const struct {
	const char *ecom, *action, *loss;
} ecoms[] = {
	{ "FS:rate 0.000000", "rate-bytes 0", NULL },
	{ "FS:rate 12500000.000000", "rate-bytes 12500000", NULL },
	{ "FS:rate 16.000000", "rate-bytes 16", NULL },
	{ "FS:rate 15.000000", NULL, "six decimals" },
	{ "FS:rate 1.500000", NULL, "six decimals" },
	{ "FS:rate -1.000000", NULL, "finite number" },
	{ "FS:rate inf", NULL, "finite number" },
	{ "FS:rate nan", NULL, "finite number" },
	{ "FS:rate -0.000000", "rate-bytes 0", NULL },
	/* only what FRR's "FS:rate %f" of a float prints (issue 15) */
	{ "FS:rate 1e3", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 0x1p4", NULL, "not a rate as FRR prints it" },
	{ "FS:rate +1000.000000", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 1000.0", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 1000", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 01000.000000", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 1000.0000000", NULL, "not a rate as FRR prints it" },
	{ "FS:rate .500000", NULL, "not a rate as FRR prints it" },
	{ "FS:rate infinity", NULL, "not a rate as FRR prints it" },
	{ "FS:rate INF", NULL, "not a rate as FRR prints it" },
	{ "FS:rate 1000.000001", NULL, "no float prints as 1000.000001" },
	{ "FS:rate 16777217.000000", NULL, "no float prints as 16777217.000000" },
	{ "FS:rate 340282346638528859811704183484516925440.000000",
	  "rate-bytes 3.40282347e+38", NULL },   /* FLT_MAX */
	{ "FS:rate 340282366920938463463374607431768211456.000000", NULL, "no float prints" },
	{ "FS:rate -inf", NULL, "finite number" },
	{ "FS:rate -nan", NULL, "finite number" },
	{ "FS:rate 16.100000", "rate-bytes 16.1", NULL },
	{ "FS:marking 46", "mark 46", NULL },
	{ "FS:marking 188", "mark 60", NULL },            /* reserved bits ignored, §7.5 */
	{ "FS:marking 9 FS:marking 46", NULL, NULL },     /* conflict: the translator refuses */
	{ "FS:action eval stops", NULL, "terminal and sample" },
	{ "FS:action terminate (apply)", NULL, "terminal and sample" },
	{ "FS:action eval stops, sample", NULL, "terminal and sample" },
	{ "FS:redirect VRF RT:65000:100", "redirect 65000:100", NULL },
	{ "FS:redirect VRF RT:10.0.0.1:10", "redirect 10.0.0.1:10", NULL },
	{ "FS:redirect VRF RT:10.0.0.1:100", NULL, "15 characters" },
	{ "FS:redirect VRF RT:192.0.2.1:10", NULL, "15 characters" },
	{ "FS:redirect IP 0x0", NULL, "next hop" },
	{ "NH:192.0.2.252:0", "redirect-ip 192.0.2.252", NULL },
	{ "65000:100 4200000000:200 192.0.2.1:100", "rt 65000:100, rt 4200000000:200, rt 192.0.2.1:100",
	  NULL },
	{ "UNK:128, 255", "accept", NULL },               /* the clean SEQ: no action */
	{ "UNK:3, 7", "accept", NULL },                   /* not a FlowSpec type: ignored */
	{ "UNK:128, 12", NULL, "traffic-rate-packets" },
	{ "UNK:129, 1", NULL, "does not show the value" },
	{ "FS:newthing 1", NULL, "does not know" },
	{ "FS:rate 0.000000 FS:action eval stops FS:redirect VRF RT:65000:100 FS:marking 21",
	  NULL, "terminal and sample" },
};

START_TEST(test_ecom)
{
	char txt[FS_TEXT_MAX], act[256], lossbuf[200];
	struct fs_err err;

	ck_assert_msg(one("proto", "= 6 ", ecoms[_i].ecom, txt, sizeof(txt), act, sizeof(act),
	    lossbuf, sizeof(lossbuf), &err) == 0, "\"%s\": %s", ecoms[_i].ecom, err.msg);
	if (ecoms[_i].action != NULL)
		ck_assert_msg(strstr(act, ecoms[_i].action) != NULL, "\"%s\": action \"%s\", want \"%s\"",
		    ecoms[_i].ecom, act, ecoms[_i].action);
	if (ecoms[_i].loss != NULL)
		ck_assert_msg(strstr(lossbuf, ecoms[_i].loss) != NULL, "\"%s\": loss \"%s\"",
		    ecoms[_i].ecom, lossbuf);
	else
		ck_assert_msg(lossbuf[0] == '\0', "\"%s\": unexpected loss \"%s\"", ecoms[_i].ecom,
		    lossbuf);
}
END_TEST

/* Output the reader must reject as a whole, with the error naming the bad value. */
static const struct {
	const char *doc, *want;
} bad[] = {
	{ "Exiting: failed to connect to any daemons.\n", "invalid JSON" },
	{ "{\"to\":\"1.2.3.4/32\"}", "one JSON array per NLRI" },
	{ "[{\"to\":\"1.2.3.4/32\"}", "ends inside" },
	{ "[{\"bogus\":\"x\"}]", "unknown component key \"bogus\"" },
	{ "[{\"to\":5}]", "expected a string" },
	{ "[{\"dstp\":\"= 70000 \"}]", "\"= 70000 \"" },
	{ "[{\"dstp\":\"=80\"}]", "space after the operator" },
	{ "[{\"dstp\":\"= 80 ; = 81 \"}]", "between terms" },
	{ "[{\"dstp\":\"\"}]", "expected a value" },
	{ "[{\"to\":\"1.2.3.4/33\"}]", "1.2.3.4/33" },
	{ "[{\"to\":\"1.2.3.400/32\"}]", "not an IPv4 address" },
	{ "[{\"to\":\"1.2.3.4\"}]", "ADDRESS/LENGTH" },
	{ "[{\"tcp\":\"? 2\"}]", "expected \"=\" or" },
	{ "[{\"tcp\":\"= 2,+= 4\"}]", "\",&\" or \",|\"" },
	{ "[{\"dscp\":\"= 64 \"}]", "0..63" },
	{ "[{\"ecomlist\":\"FS:rate 0.000000\"}]", "without its NLRI" },
	{ "[{\"time\":\"00:00:01\"}]", "before any NLRI" },
	{ "[{\"to\":\"1.2.3.4/32\"},{\"ecomlist\":\"zz\"}]", "unrecognised extended community" },
	{ "[{\"to\":\"1.2.3.4/32\"},{\"ecomlist\":\"FS:marking 256\"}]", "FS:marking 0..255" },
	{ "[{\"to\":\"1.2.3.4/32\"},{\"time\":\"x\"},{\"to\":\"1.2.3.5/32\"},{\"time\":\"x\"}]",
	  "different NLRIs" },
	{ "[{\"dstp\":\"= 80 \",\"to\":\"1.2.3.4/32\"}]", "out of order" },
	{ "[5]", "expected an object" },
	{ "[]", "without an NLRI object" },
	{ "[{}]", "without components" },
	{ "[{\"to\":\"1.2.3.4/32\"}] x", "invalid JSON" },
	{ "[{\"to\":\"\xff\"}]", "invalid JSON" },
	{ "[[[[[[[[[[[[1]]]]]]]]]]]]", "NLRI 1: JSON nested deeper than 8 at byte 8" },
	{ "[{\"port\":\"= 80 \",\"port\":\"= 81 \"}]",
	  "NLRI 1: invalid JSON: a key given twice in one object at byte 17: [0]: \"port\"" },
	{ "[{\"to\":\"1.2.3.4/32\",\"t\\u006f\":\"1.2.3.5/32\"}]",
	  "given twice in one object at byte 20: [0]: \"to\"" },
	{ "[{\"to\":\"1.2.3.4/32\"},{\"ecomlist\":\"FS:rate 0.000000\",\"ecomlist\":\"FS:rate 1000.000000\"}]",
	  "given twice in one object at byte 52: [1]: \"ecomlist\"" },
	/* an escaped NUL cut FRR's strings short (issue 15) */
	{ "[{\"to\":\"1.2.3.4/32\"},{\"ecomlist\":\"65000:1\\u0000 FS:rate 0.000000\"}]",
	  "NLRI 1: invalid JSON: escaped NUL (\\u0000) at byte 41: [1].ecomlist" },
	{ "[{\"to\":\"1.2.3.4/32\",\"proto\":\"= 6 \\u0000, = 17 \"}]",
	  "escaped NUL (\\u0000) at byte 33: [0].proto" },
	{ "[{\"to\":\"203.0.113.0/24\\u0000junk\"}]", "escaped NUL (\\u0000) at byte 22: [0].to" },
	{ "[{\"to\":\"1.2.3.4/32\"}]\n[{\"to\":\"1.2.3.5/32\",\"t\\u0000\":\"x\"}]",
	  "NLRI 2: invalid JSON: escaped NUL (\\u0000) at byte 44: [0]: \"\\\\u0000\"" },
	{ "[{\"to\":\"1.2.3.4/32\x01\"}]", "control character in a string at byte 18: [0].to: \"\\x01\"" },
	{ "[{\"to\":\"1.2.3.4/32\\ud800\"}]", "unpaired UTF-16 surrogate escape" },
	{ "[{\"to\":\"1.2.3.4/32\xc0\xaf\"}]", "invalid UTF-8 at byte 18: [0].to: \"\\xc0\\xaf\\\"}\"" },
	{ "[{\"to\":NaN}]", "invalid JSON literal at byte 7: [0].to: \"NaN\"" },
	{ "[{\"to\":1.}]", "invalid JSON literal" },
	{ "[{\"to\":\"1.2.3.4/32\"}]]", "NLRI 2: invalid JSON: unexpected character at byte 21: \"]\"" },
	{ "[{\"to\":\"1.2.3.4/32\"}}", "NLRI 1: invalid JSON: unexpected character at byte 20: [0]: \"}\"" },
	{ "\"[]\"", "NLRI 1: expected one JSON array per NLRI: \"\\\"[]\\\"\"" },
	{ "[{\"to\":\"1.2.3.4/32\"}] 5", "NLRI 2: expected one JSON array per NLRI: \"5\"" },
	{ "[{\"to\" \"1.2.3.4/32\"}", "NLRI 1: invalid JSON at byte 7 (object property name separator" },
};

START_TEST(test_bad)
{
	struct fs_frr_snapshot s;
	struct fs_err err;

	ck_assert_int_eq(fs_frr_parse_detail(bad[_i].doc, strlen(bad[_i].doc), FS_INET,
	    "vtysh ipv4 detail", &s, &err), -1);
	ck_assert_ptr_null(s.routes);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_msg(strstr(err.msg, bad[_i].want) != NULL, "%s -> %s", bad[_i].doc, err.msg);
	ck_assert_msg(strstr(err.msg, "vtysh ipv4 detail") != NULL, "no origin in %s", err.msg);
}
END_TEST

/* The answer fed in pieces reads as the whole: every split of every capture. */
static void snapshot_text(const struct fs_frr_snapshot *s, char *out, size_t cap)
{
	char txt[FS_TEXT_MAX], act[512];
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < s->n && o < cap; i++) {
		fs_route_format(s->routes[i], txt, sizeof(txt));
		fs_actions_format(s->routes[i], act, sizeof(act));
		o += (size_t)snprintf(out + o, cap - o, "%s => %s | %s\n", txt, act,
		    s->routes[i]->source_loss);
	}
	if (o < cap)
		snprintf(out + o, cap - o, "%zu %zu %zu", s->st.nlri, s->st.paths, s->st.lossy);
}

START_TEST(test_pieces)
{
	static char whole[1 << 16], split[1 << 16];
	struct fs_frr_snapshot s;
	struct fs_err err;
	size_t len, at, step;
	char *buf = read_file(fixtures[_i].file, &len);
	unsigned seed = 7;

	ck_assert_int_eq(fs_frr_parse_detail(buf, len, (enum fs_family)fixtures[_i].family, "t", &s,
	    &err), 0);
	snapshot_text(&s, whole, sizeof(whole));
	fs_frr_snapshot_free(&s);
	/* 1-byte pieces, 2-byte, ..., 17-byte, and random ones */
	for (step = 0; step <= 17; step++) {
		struct fs_frr_reader *r = fs_frr_reader_new((enum fs_family)fixtures[_i].family, "t",
		    NULL);

		ck_assert_ptr_nonnull(r);
		for (at = 0; at < len;) {
			size_t n = step > 0 ? step : 1 + (seed = seed * 1103515245u + 12345u) % 300;

			if (n > len - at)
				n = len - at;
			ck_assert_msg(fs_frr_reader_feed(r, buf + at, n, &err) == 0, "%s: %s",
			    fixtures[_i].file, err.msg);
			at += n;
		}
		ck_assert_msg(fs_frr_reader_finish(r, &s, &err) == 0, "%s", err.msg);
		fs_frr_reader_free(r);
		snapshot_text(&s, split, sizeof(split));
		fs_frr_snapshot_free(&s);
		ck_assert_msg(strcmp(whole, split) == 0, "%s in %zu-byte pieces:\n%s\nwhole:\n%s",
		    fixtures[_i].file, step, split, whole);
	}
	free(buf);
}
END_TEST

/* A fault is found the same way in pieces: the same error, at the same byte. */
START_TEST(test_pieces_fault)
{
	static const char *docs[] = {
		"[{\"to\":\"1.2.3.4/32\"},{\"time\":\"x\"}]\n[{\"to\":\"1.2.3.5/32\",\"to\":\"1.2.3.6/32\"}]",
		"[{\"to\":\"1.2.3.4/32\"}]\n[{\"to\":\"1.2.3.5/32\\u0000\"}]",
		"[{\"to\":\"1.2.3.4/32\"}]\n[{\"to\":\"1.2.3.5/32\"}",
		"[{\"to\":\"1.2.3.4/32\"}]\n[{\"to\":\"1.2.3.5/32\"}]\n5",
		"[{\"to\":\"1.2.3.4/32\"}]\n[{\"to\":\"\xe2\x88\"}]",
	};
	struct fs_frr_snapshot s;
	struct fs_err whole, err;
	size_t i, step, at;

	for (i = 0; i < NELEM(docs); i++) {
		size_t len = strlen(docs[i]);
		char *msg;

		ck_assert_int_eq(fs_frr_parse_detail(docs[i], len, FS_INET, "t", &s, &whole), -1);
		msg = strstr(whole.msg, " at byte ");
		for (step = 1; step <= 9; step++) {
			struct fs_frr_reader *r = fs_frr_reader_new(FS_INET, "t", NULL);
			int rc = 0;

			for (at = 0; rc == 0 && at < len; at += step)
				rc = fs_frr_reader_feed(r, docs[i] + at, len - at < step ? len - at : step,
				    &err);
			if (rc == 0)
				rc = fs_frr_reader_finish(r, &s, &err);
			fs_frr_reader_free(r);
			ck_assert_int_eq(rc, -1);
			ck_assert_int_eq(err.code, whole.code);
			/* the same place: the text up to the bytes quoted */
			ck_assert_msg(strncmp(err.msg, whole.msg, msg != NULL ? (size_t)(msg - whole.msg) +
			    12 : strlen(whole.msg)) == 0, "%zu-byte pieces: %s; whole: %s", step, err.msg,
			    whole.msg);
		}
	}
}
END_TEST

/* The limits hold while reading: the route over max_routes refuses the answer. */
START_TEST(test_limits)
{
	struct fs_frr_limits lim = { 2, "max-routes" };
	struct fs_frr_snapshot s;
	struct fs_err err;
	const char *three = "[{\"to\":\"1.0.0.1/32\"}]\n[{\"to\":\"1.0.0.2/32\"}]\n"
	    "[{\"to\":\"1.0.0.3/32\"}]\n";
	/* NLRIs that read the same are one route, so they do not count twice */
	const char *same = "[{\"to\":\"1.0.0.1/32\",\"dstp\":\">= 10 , <= 20 \"}]\n"
	    "[{\"to\":\"1.0.0.1/32\",\"dstp\":\">= 10 , <= 20 \"}]\n[{\"to\":\"1.0.0.2/32\"}]\n";
	char *big;
	size_t n;

	ck_assert_int_eq(fs_frr_parse_detail_lim(three, strlen(three), FS_INET, "vtysh ipv4 detail",
	    &lim, &s, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_str_eq(err.msg, "vtysh ipv4 detail: NLRI 3: more than 2 routes, the limit max-routes");
	ck_assert_ptr_null(s.routes);
	lim.max_routes = 3;
	ck_assert_int_eq(fs_frr_parse_detail_lim(three, strlen(three), FS_INET, "t", &lim, &s, &err),
	    0);
	ck_assert_uint_eq(s.n, 3);
	fs_frr_snapshot_free(&s);
	lim.max_routes = 2;
	ck_assert_int_eq(fs_frr_parse_detail_lim(same, strlen(same), FS_INET, "t", &lim, &s, &err), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.st.nlri, 3);
	fs_frr_snapshot_free(&s);
	/* one NLRI's text is capped, whole or in pieces */
	n = FS_FRR_NLRI_TEXT_MAX + 64;
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "[{\"to\":\"1.0.0.1/32\"},{\"time\":\"", 30);
	memcpy(big + n - 4, "\"}]\n", 4);
	big[n] = '\0';
	ck_assert_int_eq(fs_frr_parse_detail(big, n, FS_INET, "t", &s, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_msg(strstr(err.msg, "NLRI 1: more than 4194304 bytes of text") != NULL, "%s",
	    err.msg);
	{
		struct fs_frr_reader *r = fs_frr_reader_new(FS_INET, "t", NULL);
		size_t at;
		int rc = 0;

		for (at = 0; rc == 0 && at < n; at += 100000)
			rc = fs_frr_reader_feed(r, big + at, n - at < 100000 ? n - at : 100000, &err);
		fs_frr_reader_free(r);
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err.msg, "more than 4194304 bytes of text") != NULL, "%s", err.msg);
	}
	free(big);
}
END_TEST

START_TEST(test_ipv6_prefix_on_ipv4)
{
	struct fs_frr_snapshot s;
	struct fs_err err;
	const char *doc = "[{\"to\":\"2001:db8::/32/off 0\"}]";

	ck_assert_int_eq(fs_frr_parse_detail(doc, strlen(doc), FS_INET, "t", &s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not an IPv4 address"));
	doc = "[{\"to\":\"1.2.3.0/24/off 0\"}]";
	ck_assert_int_eq(fs_frr_parse_detail(doc, strlen(doc), FS_INET, "t", &s, &err), -1);
}
END_TEST

/* Every prefix of a real capture: a clean error, or (at an array boundary) fewer routes. */
START_TEST(test_truncation)
{
	size_t len, cut, full_n;
	char *buf = read_file("detail-multipath.v4.json", &len);
	struct fs_frr_snapshot s;
	struct fs_err err;
	unsigned ok = 0, failed = 0;

	ck_assert_int_eq(fs_frr_parse_detail(buf, len, FS_INET, "t", &s, &err), 0);
	full_n = s.n;
	fs_frr_snapshot_free(&s);
	for (cut = 0; cut < len; cut++) {
		char *p = malloc(cut + 1);

		memcpy(p, buf, cut);
		if (fs_frr_parse_detail(p, cut, FS_INET, "t", &s, &err) == 0) {
			ck_assert_uint_le(s.n, full_n);
			ok++;
			fs_frr_snapshot_free(&s);
		} else {
			ck_assert_ptr_null(s.routes);
			ck_assert_uint_gt(strlen(err.msg), 0);
			failed++;
		}
		free(p);
	}
	/* only the cuts at array boundaries (and the empty output) parse */
	ck_assert_uint_le(ok, 2 * full_n + 2);
	ck_assert_uint_gt(failed, len - 2 * full_n - 2);
	free(buf);
}
END_TEST

/* Two NLRIs that read the same (they differ in AND/OR bits FRR does not print). */
START_TEST(test_same_reading)
{
	const char *doc = "[{\"to\":\"1.2.3.4/32\",\"dstp\":\">= 10 , <= 20 \"},{\"time\":\"x\"}]\n"
	    "[{\"to\":\"1.2.3.4/32\",\"dstp\":\">= 10 , <= 20 \"},{\"ecomlist\":\"FS:rate 0.000000\"},"
	    "{\"time\":\"x\"}]\n[{\"to\":\"1.2.3.5/32\"},{\"time\":\"x\"}]\n";
	struct fs_frr_snapshot s;
	struct fs_err err;
	const struct fs_route *r;

	ck_assert_int_eq(fs_frr_parse_detail(doc, strlen(doc), FS_INET, "t", &s, &err), 0);
	ck_assert_uint_eq(s.st.nlri, 3);
	ck_assert_uint_eq(s.n, 2);
	r = find_route(&s, "1.2.3.4/32");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(r->source_loss, "read the same"));
	r = find_route(&s, "1.2.3.5/32");
	ck_assert_str_eq(r->source_loss, "");
	fs_frr_snapshot_free(&s);
}
END_TEST

/* ---- property: controller-style numeric lists read back exactly ------------- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/*
 * A list a controller would send: sorted, disjoint, non-adjacent groups,
 * each "=v", "<v" (first only), ">v" / ">=v" (last only) or a range
 * ">=lo&<=hi" / ">lo&<hi"; rendered the way FRR 8.4 renders it.
 */
START_TEST(test_property_numeric)
{
	unsigned iter, checked = 0;

	for (iter = 0; iter < 5000; iter++) {
		struct fs_term terms[16];
		char val[512];
		size_t o = 0;
		unsigned n = 0, g, ng = 1 + rnd(6), k;
		uint32_t cur = rnd(100);
		char txt[FS_TEXT_MAX], act[64], lossbuf[200];
		struct fs_err err;
		struct fs_route *want = fs_route_new(FS_INET);
		char wtxt[FS_TEXT_MAX];

		for (g = 0; g < ng && cur < 60000; g++) {
			unsigned kind = rnd(5);

			if (kind == 0 && g == 0) {
				terms[n++] = (struct fs_term){ FS_OP_LT | (rnd(2) ? FS_OP_EQ : 0), cur + 1 };
			} else if (kind == 1 && g == ng - 1) {
				terms[n++] = (struct fs_term){ FS_OP_GT | (rnd(2) ? FS_OP_EQ : 0), cur };
			} else if (kind <= 2) {
				terms[n++] = (struct fs_term){ FS_OP_EQ, cur };
			} else {
				uint32_t hi = cur + 2 + rnd(500);
				bool eq = rnd(2);

				terms[n++] = (struct fs_term){ (uint8_t)(FS_OP_GT | (eq ? FS_OP_EQ : 0)), cur };
				terms[n++] = (struct fs_term){ (uint8_t)(FS_OP_AND | FS_OP_LT |
				    (eq ? FS_OP_EQ : 0)), hi };
				cur = hi;
			}
			cur += 2 + rnd(1000);
		}
		for (k = 0; k < n; k++) {
			uint8_t op = terms[k].op;

			o += (size_t)snprintf(val + o, sizeof(val) - o, "%s%s%s%s %u ", k ? ", " : "",
			    op & FS_OP_LT ? "<" : "", op & FS_OP_GT ? ">" : "", op & FS_OP_EQ ? "=" : "",
			    (unsigned)terms[k].value);
			ck_assert_int_eq(fs_route_add_term(want, FS_C_DPORT, op, terms[k].value, &err), 0);
		}
		fs_route_format(want, wtxt, sizeof(wtxt));
		fs_route_free(want);
		ck_assert_msg(one("dstp", val, NULL, txt, sizeof(txt), act, sizeof(act), lossbuf,
		    sizeof(lossbuf), &err) == 0, "\"%s\": %s", val, err.msg);
		ck_assert_msg(lossbuf[0] == '\0', "\"%s\" refused: %s", val, lossbuf);
		ck_assert_msg(strcmp(txt, wtxt) == 0, "\"%s\" read as \"%s\", sent \"%s\"", val, txt,
		    wtxt);
		checked++;
	}
	ck_assert_uint_eq(checked, 5000);
}
END_TEST

/* ---- the summary ------------------------------------------------------------- */

static const struct {
	const char *file;
	size_t peers, established;
	unsigned long pfx;
	const char *policy; /* a peer whose peerState is Policy */
} sums[] = {
	{ "summary-all-components.v4.json", 2, 1, 30, NULL },
	{ "summary-multipath.v4.json", 2, 2, 38, NULL },
	{ "summary-multipath.v6.json", 2, 2, 16, NULL },
	{ "summary-empty.v4.json", 2, 1, 0, NULL },
	{ "summary-peer-down.v4.json", 2, 0, 0, NULL },
	{ "summary-never-established.v6.json", 2, 0, 0, NULL },
	{ "summary-session-error.v4.json", 2, 0, 0, NULL },
	{ "summary-requires-policy.v4.json", 2, 2, 0, "198.19.1.1" },
	{ "summary-exabgp.v4.json", 2, 1, 8, NULL },
};

START_TEST(test_summary)
{
	struct fs_frr_summary s, again;
	struct fs_err err;
	size_t len, i;
	char *buf = read_file(sums[_i].file, &len);

	ck_assert_msg(fs_frr_parse_summary(buf, len, sums[_i].file, &s, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.n, sums[_i].peers);
	ck_assert_uint_eq(s.established, sums[_i].established);
	ck_assert_uint_eq(s.pfx_established, sums[_i].pfx);
	if (sums[_i].policy != NULL) {
		for (i = 0; i < s.n; i++)
			if (strcmp(s.peers[i].addr, sums[_i].policy) == 0)
				break;
		ck_assert_uint_lt(i, s.n);
		ck_assert_str_eq(s.peers[i].peer_state, "Policy");
	}
	ck_assert_int_eq(fs_frr_parse_summary(buf, len, "x", &again, &err), 0);
	ck_assert(fs_frr_summary_same(&s, &again));
	if (again.n > 0) {
		again.peers[0].pfx_rcd++;
		ck_assert(!fs_frr_summary_same(&s, &again));
	}
	fs_frr_summary_free(&s);
	fs_frr_summary_free(&again);
	free(buf);
}
END_TEST

START_TEST(test_summary_bad)
{
	static const char *docs[] = {
		"Exiting: failed to connect to any daemons.",
		"{\"peers\":[]}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":5,\"pfxRcd\":1}}}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Established\",\"pfxRcd\":-1}}}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Established\"}}}",
		"{\"peers\":{}} {}",
		"[1]",
		/* json-c kept the last of a peer given twice, or of its state (issue 15) */
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Established\",\"pfxRcd\":1},"
		"\"1.2.3.4\":{\"state\":\"Idle\",\"pfxRcd\":0}}}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Idle\",\"state\":\"Established\",\"pfxRcd\":1}}}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Established\\u0000Idle\",\"pfxRcd\":1}}}",
		"{\"peers\":{\"1.2.3.4\":{\"state\":\"Established\",\"pfxRcd\":1}},\"peers\":{}}",
	};
	struct fs_frr_summary s;
	struct fs_err err;
	size_t i;

	for (i = 0; i < NELEM(docs); i++) {
		ck_assert_msg(fs_frr_parse_summary(docs[i], strlen(docs[i]), "vtysh ipv4 summary", &s,
		    &err) == -1, "accepted %s", docs[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, "vtysh ipv4 summary"));
		ck_assert_ptr_null(s.peers);
	}
	/* no neighbor configured, or no output: zero peers */
	ck_assert_int_eq(fs_frr_parse_summary("{}", 2, "x", &s, &err), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(fs_frr_parse_summary("", 0, "x", &s, &err), 0);
	ck_assert_uint_eq(s.n, 0);
	/* the key and its place are named */
	ck_assert_int_eq(fs_frr_parse_summary(docs[7], strlen(docs[7]), "vtysh ipv4 summary", &s,
	    &err), -1);
	ck_assert_str_eq(err.msg, "vtysh ipv4 summary: invalid JSON: a key given twice in one object "
	    "at byte 55: peers: \"1.2.3.4\"");
	ck_assert_int_eq(fs_frr_parse_summary(docs[8], strlen(docs[8]), "vtysh ipv4 summary", &s,
	    &err), -1);
	ck_assert_str_eq(err.msg, "vtysh ipv4 summary: invalid JSON: a key given twice in one object "
	    "at byte 36: peers.\"1.2.3.4\": \"state\"");
	ck_assert_int_eq(fs_frr_parse_summary(docs[9], strlen(docs[9]), "vtysh ipv4 summary", &s,
	    &err), -1);
	ck_assert_str_eq(err.msg, "vtysh ipv4 summary: invalid JSON: escaped NUL (\\u0000) at byte 41: "
	    "peers.\"1.2.3.4\".state: \"\\\\u0000\"");
}
END_TEST

/* ---- the reconciler's diff ---------------------------------------------------- */

static struct fs_route *mk(const char *dst, float rate)
{
	struct fs_frr_snapshot s;
	struct fs_err err;
	char doc[256];
	struct fs_route *r;

	if (rate < 0)
		snprintf(doc, sizeof(doc), "[{\"to\":\"%s\"},{\"time\":\"x\"}]", dst);
	else
		snprintf(doc, sizeof(doc), "[{\"to\":\"%s\"},{\"ecomlist\":\"FS:rate %f\"},"
		    "{\"time\":\"x\"}]", dst, (double)rate);
	ck_assert_int_eq(fs_frr_parse_detail(doc, strlen(doc), FS_INET, "t", &s, &err), 0);
	r = s.routes[0];
	s.n = 0;
	fs_frr_snapshot_free(&s);
	return r;
}

START_TEST(test_sync)
{
	struct fs_ruleset *rs = fs_ruleset_new();
	struct fs_sync_counts c;
	struct fs_err err;
	struct fs_route *v[4];
	struct fs_route *r6 = fs_route_new(FS_INET6);
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	ck_assert_int_eq(fs_route_set_prefix(r6, FS_C_DST, a6, 32, 0, &err), 0);
	ck_assert_int_eq(fs_ruleset_announce(rs, "frr", r6, &err), 0);
	v[0] = mk("1.0.0.1/32", 0);
	v[1] = mk("1.0.0.2/32", -1);
	v[2] = mk("1.0.0.3/32", 1000);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 3, &c, &err), 0);
	ck_assert_uint_eq(c.added, 3);
	ck_assert_uint_eq(c.changed + c.removed + c.same, 0);
	/* the same snapshot: nothing to do */
	v[0] = mk("1.0.0.1/32", 0);
	v[1] = mk("1.0.0.2/32", -1);
	v[2] = mk("1.0.0.3/32", 1000);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 3, &c, &err), 0);
	ck_assert_uint_eq(c.same, 3);
	ck_assert_uint_eq(c.added + c.changed + c.removed, 0);
	/* one changed action, one gone, one new */
	v[0] = mk("1.0.0.1/32", 2000);
	v[1] = mk("1.0.0.2/32", -1);
	v[2] = mk("1.0.0.4/32", 0);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 3, &c, &err), 0);
	ck_assert_uint_eq(c.changed, 1);
	ck_assert_uint_eq(c.same, 1);
	ck_assert_uint_eq(c.added, 1);
	ck_assert_uint_eq(c.removed, 1);
	/* IPv6 untouched by IPv4 syncs; an empty snapshot removes the family */
	ck_assert_uint_eq(fs_ruleset_count(rs), 4);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 0, &c, &err), 0);
	ck_assert_uint_eq(c.removed, 3);
	ck_assert_uint_eq(fs_ruleset_count(rs), 1);
	/* over the cap: refused, nothing changed */
	fs_ruleset_set_max(rs, 2);
	v[0] = mk("1.0.0.1/32", 0);
	v[1] = mk("1.0.0.2/32", 0);
	ck_assert_int_eq(fs_ruleset_sync(rs, "frr", FS_INET, v, 2, &c, &err), -1);
	ck_assert_int_eq(err.code, FS_E_LIMIT);
	ck_assert_uint_eq(fs_ruleset_count(rs), 1);
	fs_ruleset_free(rs);
}
END_TEST

static Suite *frr_suite(void)
{
	Suite *s = suite_create("frr");
	TCase *tc = tcase_create("frr");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_fixture, 0, NELEM(fixtures));
	tcase_add_loop_test(tc, test_known, 0, NELEM(known));
	tcase_add_loop_test(tc, test_reading, 0, NELEM(readings));
	tcase_add_loop_test(tc, test_ecom, 0, NELEM(ecoms));
	tcase_add_loop_test(tc, test_bad, 0, NELEM(bad));
	tcase_add_loop_test(tc, test_pieces, 0, NELEM(fixtures));
	tcase_add_test(tc, test_pieces_fault);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_ipv6_prefix_on_ipv4);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_same_reading);
	tcase_add_test(tc, test_property_numeric);
	tcase_add_loop_test(tc, test_summary, 0, NELEM(sums));
	tcase_add_test(tc, test_summary_bad);
	tcase_add_test(tc, test_sync);
	suite_add_tcase(s, tc);
	return s;
}

static void quiet_sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	(void)lvl;
	(void)msg;
	(void)ctx;
}

int main(void)
{
	fs_log_set_sink(quiet_sink, NULL);
	return fs_check_run(frr_suite());
}
