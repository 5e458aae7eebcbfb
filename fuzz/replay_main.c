/*
 * replay_main.c - replays a fuzz corpus through a fuzz target without libFuzzer,
 * so every test build (gcc, ASan+UBSan) exercises the saved inputs.
 * Usage: replay_<name> DIR... ; prints TAP, one line per input file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, len = 0;
	uint8_t *data = malloc(cap);
	size_t n;
	while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nd = realloc(data, cap * 2);
			if (!nd) {
				free(data);
				data = NULL;
				break;
			}
			data = nd;
			cap *= 2;
		}
	}
	fclose(f);
	if (!data)
		return -1;
	/* Copy to an exact-size block so ASan sees reads past the end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(data);
		return -1;
	}
	memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		struct dirent **list;
		int cnt = scandir(argv[i], &list, NULL, alphasort);
		if (cnt < 0) {
			printf("not ok %d - cannot read %s\n", ++n, argv[i]);
			failed++;
			continue;
		}
		for (int j = 0; j < cnt; j++) {
			if (list[j]->d_name[0] != '.') {
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", argv[i], list[j]->d_name);
				int rc = replay_file(path);
				printf("%s %d - %s\n", rc == 0 ? "ok" : "not ok", ++n,
					list[j]->d_name);
				failed += rc != 0;
			}
			free(list[j]);
		}
		free(list);
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
