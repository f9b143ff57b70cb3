/*
 * fuzz_exabgp.c - the ExaBGP process-API reader, one line per input, with
 * both sequence-community forms.  Every announced or withdrawn route
 * must survive the canonical-text round trip.
 */
#include "flowspec/exabgp.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fs_event_list ev;
	struct fs_exabgp_opts o;
	struct fs_err err;
	size_t i;
	int rc, form;

	fuzz_init();
	for (form = 0; form < 2; form++) {
		fs_exabgp_opts_default(&o);
		if (form == 1)
			o.seq.form = FS_SEQ_PAPER;
		fs_err_clear(&err);
		rc = fs_exabgp_parse_line(&o, (const char *)data, size, "fuzz:1", &ev, &err);
		fuzz_check_err(rc, &err);
		for (i = 0; rc == 0 && i < ev.n; i++)
			if (ev.ev[i].route != NULL)
				fuzz_roundtrip(ev.ev[i].route);
		fs_event_list_clear(&ev);
	}
	return 0;
}
