/*
 * replay.c - run the fuzz target over files, without libFuzzer: every finding
 * kept in tests/fuzz/regressions/ (and the seed corpus) goes through the
 * parser and the checker in the ordinary test suite.
 *
 *   replay FILE|DIR...   each DIR contributes its regular files, sorted
 *
 * Prints one line per input and a closing "N passed, 0 failed"; a crash or
 * sanitizer report fails the test, an unreadable input or no input at all
 * too.  Files whose names start with '.' are skipped.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path)
{
	size_t len;
	const char *why;
	char *text = read_file(path, CN_MAX_INPUT, &len, &why);
	if (!text) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, why);
		return 0;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)text, len);
	free(text);
	printf("ok %s (%zu bytes)\n", path, len);
	return 1;
}

static int replay_dir(Arena *a, const char *dir, int *failed)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: cannot open directory '%s'\n", dir);
		(*failed)++;
		return 0;
	}
	PtrVec names = {0};
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *path = arena_printf(a, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			vec_push(a, &names, path);
	}
	closedir(d);
	if (names.len > 1)
		qsort(names.items, (size_t)names.len, sizeof(char *), cmp_str);
	int passed = 0;
	for (int i = 0; i < names.len; i++) {
		if (replay_file(names.items[i]))
			passed++;
		else
			(*failed)++;
	}
	return passed;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: replay FILE|DIR...\n", stderr);
		return 2;
	}
	Arena *a = arena_new();
	int passed = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			passed += replay_dir(a, argv[i], &failed);
		else if (replay_file(argv[i]))
			passed++;
		else
			failed++;
	}
	arena_free(a);
	if (passed + failed == 0) {
		fputs("replay: no inputs\n", stderr);
		failed = 1;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
