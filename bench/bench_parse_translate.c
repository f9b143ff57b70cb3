/*
 * bench_parse_translate - routes/s through the injector's pipeline.
 *
 * Builds N routes shaped like the ExaBGP fixtures (the match shapes and
 * actions of bird-announce-all-components, each with its own destination
 * /32, packed 64 NLRIs to an UPDATE line as BIRD packs routes with equal
 * attributes), then times: parsing and applying the lines, ordering,
 * translating, and rendering the iptables-restore document.
 *
 * usage: bench_parse_translate [-n ROUTES] [-o DOCUMENT] [-r REPEATS] [-j FEED]
 *   -j FEED  also write the lines as an ExaBGP session (connected, up, the
 *            UPDATEs, end-of-RIB) for the convergence benchmark
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/feed.h"
#include "flowspec/log.h"
#include "flowspec/text.h"
#include "flowspec/translate.h"

/* Match shapes from bird-announce-all-components.jsonl (%s = the prefix). */
static const char *const shapes[] = {
	"\"destination-ipv4\": [ \"%s\" ], \"protocol\": [ \"=udp\" ], \"source-port\": [ \"=123\" ], \"string\": \"flow destination-ipv4 %s protocol =udp source-port =123\"",
	"\"destination-ipv4\": [ \"%s\" ], \"protocol\": [ \"=tcp\" ], \"destination-port\": [ \"=80\" ], \"string\": \"flow destination-ipv4 %s protocol =tcp destination-port =80\"",
	"\"destination-ipv4\": [ \"%s\" ], \"protocol\": [ \"=tcp\" ], \"tcp-flags\": [ \"=syn&!ack\" ], \"string\": \"flow destination-ipv4 %s protocol =tcp tcp-flags [ =syn&!ack ]\"",
	"\"destination-ipv4\": [ \"%s\" ], \"protocol\": [ \"=udp\" ], \"source-port\": [ \">=1024&<=2048\" ], \"string\": \"flow destination-ipv4 %s protocol =udp source-port [ >=1024&<=2048 ]\"",
	"\"destination-ipv4\": [ \"%s\" ], \"packet-length\": [ \"<64\", \">9000\" ], \"string\": \"flow destination-ipv4 %s packet-length [ <64 >9000 ]\"",
	"\"destination-ipv4\": [ \"%s\" ], \"fragment\": [ \"=is-fragment\" ], \"string\": \"flow destination-ipv4 %s fragment =is-fragment\"",
	"\"destination-ipv4\": [ \"%s\" ], \"protocol\": [ \"=tcp\" ], \"destination-port\": [ \">1024&<2048\", \">=8000&<=9000\" ], \"string\": \"flow destination-ipv4 %s protocol =tcp destination-port [ >1024&<2048 >=8000&<=9000 ]\"",
	"\"destination-ipv4\": [ \"%s\" ], \"dscp\": [ \">=8&<=15\", \"=32\" ], \"string\": \"flow destination-ipv4 %s dscp [ >=8&<=15 =32 ]\"",
};
/*
 * Attribute sets in the fixtures' proportions (bird-announce-all-components:
 * mostly discard, about a fifth rate-limited, a few accept): of every 20
 * UPDATE lines, 15 discard, 3 at 1 MB/s, 1 at 1000 packets/s, 1 accept.
 */
static const char *const attrs[] = {
	"{ \"value\": 9225060886715039744, \"string\": \"rate-limit:0\" }",
	"{ \"value\": 9225340060821627904, \"string\": \"rate-limit:1000000\" }",
	"{ \"value\": 9226749737724149760, \"string\": \"\" }",
	"",
};

static const char *attr_for(unsigned line)
{
	unsigned k = line % 20;

	return attrs[k < 15 ? 0 : k < 18 ? 1 : k < 19 ? 2 : 3];
}

#define PACK 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **make_lines(unsigned n, unsigned *nlines)
{
	unsigned nl = (n + PACK - 1) / PACK, l, k, id = 0;
	char **lines = calloc(nl, sizeof(*lines));

	for (l = 0; l < nl; l++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		unsigned shape = l % (sizeof(shapes) / sizeof(shapes[0]));

		fprintf(f, "{ \"exabgp\": \"4.0.1\", \"time\": 1795457752.4490998, \"host\" : \"vm\", "
		    "\"pid\" : 4864, \"ppid\" : 4778, \"counter\": %u, \"type\": \"update\", "
		    "\"neighbor\": { \"address\": { \"local\": \"198.18.1.2\", \"peer\": \"198.18.1.1\" }, "
		    "\"asn\": { \"local\": 65000, \"peer\": 65001 } , \"direction\": \"receive\", "
		    "\"message\": { \"update\": { \"attribute\": { \"origin\": \"igp\", \"as-path\": [ 65001 ], "
		    "\"confederation-path\": [], \"extended-community\": [ %s ] }, "
		    "\"announce\": { \"ipv4 flow\": { \"no-nexthop\": [ ",
		    l + 1, attr_for(l));
		for (k = 0; k < PACK && id < n; k++, id++) {
			char pfx[32];

			snprintf(pfx, sizeof(pfx), "10.%u.%u.%u/32", (id >> 16) & 255, (id >> 8) & 255, id & 255);
			fprintf(f, "%s{ ", k ? ", " : "");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			fprintf(f, shapes[shape], pfx, pfx);
#pragma GCC diagnostic pop
			fprintf(f, " }");
		}
		fprintf(f, " ] } } } } } }");
		fclose(f);
		lines[l] = buf;
	}
	*nlines = nl;
	return lines;
}

int main(int argc, char **argv)
{
	unsigned n = 100000, nlines, i, r, repeats = 3;
	const char *docpath = NULL, *feedpath = NULL;
	double best[4] = { 1e9, 1e9, 1e9, 1e9 };
	size_t rules = 0, installed = 0;
	char **lines;
	int c;

	while ((c = getopt(argc, argv, "n:o:r:j:")) != -1) {
		switch (c) {
		case 'j': feedpath = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': docpath = optarg; break;
		case 'r': repeats = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-n ROUTES] [-o DOCUMENT] [-r REPEATS]\n", argv[0]);
			return 2;
		}
	}
	fs_log_set_level(FS_LOG_ERR);
	lines = make_lines(n, &nlines);
	if (feedpath != NULL) {
		static const char *const nb = "\"neighbor\": { \"address\": { \"local\": \"198.18.1.2\", "
		    "\"peer\": \"198.18.1.1\" }, \"asn\": { \"local\": 65000, \"peer\": 65001 }";
		FILE *f = fopen(feedpath, "w");

		if (f == NULL) {
			perror(feedpath);
			return 1;
		}
		fprintf(f, "{ \"exabgp\": \"4.0.1\", \"type\": \"state\", %s, \"state\": \"connected\" } }\n", nb);
		fprintf(f, "{ \"exabgp\": \"4.0.1\", \"type\": \"state\", %s, \"state\": \"up\" } }\n", nb);
		for (i = 0; i < nlines; i++)
			fprintf(f, "%s\n", lines[i]);
		fprintf(f, "{ \"exabgp\": \"4.0.1\", \"type\": \"update\", %s, \"direction\": \"receive\", "
		    "\"message\": { \"eor\": { \"afi\" : \"ipv4\", \"safi\" : \"flow\" } } } }\n", nb);
		if (fclose(f) != 0) {
			perror(feedpath);
			return 1;
		}
	}
	for (r = 0; r < repeats; r++) {
		struct fs_exabgp_opts ex;
		struct fs_xlate_opts xo;
		struct fs_feed feed;
		struct fs_plan plan;
		struct fs_err err;
		const struct fs_route **sorted;
		size_t nsorted, dlen = 0;
		char *doc = NULL;
		FILE *mem;
		double t0, t1, t2, t3, t4;

		fs_exabgp_opts_default(&ex);
		fs_xlate_opts_default(&xo);
		fs_feed_init(&feed, &ex);
		t0 = now();
		for (i = 0; i < nlines; i++)
			if (fs_feed_line(&feed, lines[i], strlen(lines[i]), "bench", &err) < 0) {
				fprintf(stderr, "line %u: %s\n", i, err.msg);
				return 1;
			}
		t1 = now();
		if (fs_ruleset_sorted(feed.rs, FS_INET, FS_ORDER_RFC, &sorted, &nsorted, &err) < 0)
			return 1;
		t2 = now();
		if (fs_plan_build(&plan, FS_INET, sorted, nsorted, &xo, &err) < 0)
			return 1;
		t3 = now();
		mem = open_memstream(&doc, &dlen);
		fs_plan_write_restore(&plan, mem);
		fclose(mem);
		t4 = now();
		if (t1 - t0 < best[0]) best[0] = t1 - t0;
		if (t2 - t1 < best[1]) best[1] = t2 - t1;
		if (t3 - t2 < best[2]) best[2] = t3 - t2;
		if (t4 - t3 < best[3]) best[3] = t4 - t3;
		rules = fs_ptable_rules(&plan.filter);
		installed = 0;
		for (i = 0; i < plan.nroutes; i++)
			installed += plan.routes[i].refusal == FS_R_OK;
		if (r == repeats - 1 && docpath != NULL) {
			FILE *f = fopen(docpath, "w");

			if (f == NULL || fwrite(doc, 1, dlen, f) != dlen || fclose(f) != 0) {
				perror(docpath);
				return 1;
			}
		}
		if (feed.rs != NULL && fs_ruleset_count(feed.rs) != n) {
			fprintf(stderr, "expected %u routes, ruleset holds %zu\n", n, fs_ruleset_count(feed.rs));
			return 1;
		}
		free(doc);
		fs_plan_free(&plan);
		free(sorted);
		fs_feed_free(&feed);
	}
	printf("routes %u in %u lines (%u per UPDATE); installed %zu; filter rules %zu\n",
	    n, nlines, PACK, installed, rules);
	printf("parse+apply   %8.3f s  %10.0f routes/s\n", best[0], n / best[0]);
	printf("order         %8.3f s  %10.0f routes/s\n", best[1], n / best[1]);
	printf("translate     %8.3f s  %10.0f routes/s\n", best[2], n / best[2]);
	printf("render        %8.3f s  %10.0f routes/s\n", best[3], n / best[3]);
	printf("parse+translate (parse, order, translate) %8.3f s  %10.0f routes/s\n",
	    best[0] + best[1] + best[2], n / (best[0] + best[1] + best[2]));
	printf("total (with render)                       %8.3f s  %10.0f routes/s\n",
	    best[0] + best[1] + best[2] + best[3], n / (best[0] + best[1] + best[2] + best[3]));
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	return 0;
}
