/*
 * fuzz_save.c - the fetcher's iptables-save reader (chain FORWARD as IPv4,
 * or IPv6 when the input starts with '6'; FLOWSPEC4 and FLOWSPEC6, the
 * injector's chains in the golden dry runs), then each rule to a route: every route must survive the
 * canonical-text round trip, and a refusal must say why.  The stream reader
 * (fx_read_save, which -i FILE and -i - use) must give the same answer and
 * the same rules as the one over memory.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "flowspec/fetch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct same {
	const struct fx_chain *c;
	size_t n;
};

static int same_rule(const struct fx_rule *r, void *ctx, struct fs_err *err)
{
	struct same *s = ctx;

	(void)err;
	FUZZ_REQUIRE(s->n < s->c->n, "the stream reader gives more rules than %zu", s->c->n);
	FUZZ_REQUIRE(r->num == s->c->rules[s->n].num &&
	    strcmp(r->text, s->c->rules[s->n].text) == 0, "rule %zu differs between the readers",
	    s->n + 1);
	s->n++;
	return 0;
}

static int any_rule(const struct fx_rule *r, void *ctx, struct fs_err *err)
{
	(void)r;
	(void)ctx;
	(void)err;
	return 0;
}

/* The stream reader over the same bytes: the same answer, the same rules. */
static void stream_same(const uint8_t *data, size_t size, int fam, const char *chain, int rc,
    const struct fx_chain *ch)
{
	struct fx_chain_info info;
	struct fs_err err;
	struct same s = { ch, 0 };
	FILE *f;
	int rc2;

	if (size == 0)
		return; /* fmemopen takes no empty buffer */
	f = fmemopen((void *)(uintptr_t)data, size, "r");
	FUZZ_REQUIRE(f != NULL, "fmemopen");
	fs_err_clear(&err);
	rc2 = fx_read_save(f, fam, chain, "fuzz.save", rc == 0 ? same_rule : any_rule, &s, &info, &err);
	fclose(f);
	FUZZ_REQUIRE(rc2 == rc, "the stream reader says %d, the memory reader %d", rc2, rc);
	FUZZ_REQUIRE(rc != 0 || (s.n == ch->n && info.nrules == ch->n), "the stream reader gives %zu "
	    "rules, the memory reader %zu", s.n, ch->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_chain ch;
	struct fs_route *r;
	struct fs_err err;
	char why[256];
	size_t i;
	int rc, fam;

	fuzz_init();
	static const char *const chains[] = { "FORWARD", "FLOWSPEC4", "FLOWSPEC6" };
	unsigned k;

	for (k = 0; k < 3; k++) {
		fam = k == 2 ? 6 : 4;
		if (k == 0 && size > 0 && data[0] == '6')
			fam = 6; /* FORWARD of an ip6tables-save document */
		memset(&ch, 0, sizeof(ch));
		fs_err_clear(&err);
		rc = fx_parse_save((const char *)data, size, fam, chains[k], "fuzz.save", &ch, &err);
		fuzz_check_err(rc, &err);
		stream_same(data, size, fam, chains[k], rc, &ch);
		for (i = 0; rc == 0 && i < ch.n; i++) {
			r = NULL;
			why[0] = '\0';
			switch (fx_rule_to_route(&ch.rules[i], &r, why, sizeof(why))) {
			case 0:
				FUZZ_REQUIRE(r != NULL, "rule %zu: no route", i + 1);
				fuzz_roundtrip(r);
				break;
			default:
				FUZZ_REQUIRE(why[0] != '\0', "rule %zu refused without a reason", i + 1);
				break;
			}
			fs_route_free(r);
		}
		fx_chain_free(&ch);
	}
	return 0;
}
