/*
 * driver.c - runs a fuzz target without libFuzzer: every file named on
 * the command line (every regular file in a directory) is one input.
 * This is how the seed corpora and the crash regressions in
 * tests/fuzz/regress run in every build, gcc and ASan included; a broken
 * property aborts as it would under libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long nrun;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				fclose(f);
				free(buf);
				fprintf(stderr, "%s: out of memory\n", path);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	/* an exact-size copy, so that ASan sees a read past the input */
	nb = malloc(len ? len : 1);
	if (nb == NULL) {
		free(buf);
		return -1;
	}
	memcpy(nb, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	nrun++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent **ents;
	char sub[4096];
	int n, i, rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) && run_file(sub) < 0)
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	if (nrun == 0) {
		fprintf(stderr, "%s: no input found\n", argv[0]);
		return 1;
	}
	printf("%s: %lu inputs, every property held\n", argv[0], nrun);
	return rc;
}
