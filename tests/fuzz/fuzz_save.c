/*
 * fuzz_save.c - the fetcher's iptables-save reader (chain FORWARD as IPv4,
 * or IPv6 when the input starts with '6'; FLOWSPEC4 and FLOWSPEC6, the
 * injector's chains in the golden dry runs), then each rule to a route: every route must survive the
 * canonical-text round trip, and a refusal must say why.
 */
#include "flowspec/fetch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
