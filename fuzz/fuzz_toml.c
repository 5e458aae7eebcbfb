/*
 * fuzz_toml.c - libFuzzer target for lib/toml: parses the input as a TOML
 * document, then walks the whole tree through the public getters (so a
 * tree the parser built wrongly shows up under ASan) and frees it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/toml/toml.h"
#include "lib/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct toml_value *v)
{
	size_t n = 1;
	const char *s;
	size_t len;
	struct toml_key k;
	struct toml_datetime dt;
	switch (toml_type_of(v)) {
	case TOML_TABLE:
		for (size_t i = 0; i < toml_table_len(v); i++) {
			const struct toml_value *e = toml_table_at(v, i, &k);
			/* Every key must be found again by lookup. */
			if (toml_table_getn(v, k.name, k.len) != e)
				__builtin_trap();
			n += walk(e);
		}
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < toml_array_len(v); i++)
			n += walk(toml_array_at(v, i));
		break;
	case TOML_STRING:
		if (toml_get_string(v, &s, &len) != 0 || s[len] != '\0')
			__builtin_trap();
		break;
	case TOML_DATETIME:
	case TOML_LOCAL_DATETIME:
	case TOML_LOCAL_DATE:
	case TOML_LOCAL_TIME:
		if (toml_get_datetime(v, &dt) != 0 || dt.nanosecond > 999999999)
			__builtin_trap();
		break;
	default:
		break;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_value *root;
	struct toml_error err;
	if (toml_parse(data, size, &root, &err) == 0) {
		walk(root);
		toml_free(root);
	} else if (err.code >= 0 || !err.msg[0] || memchr(err.msg, '\0', sizeof(err.msg)) == NULL ||
		(err.code != ERR_LIMIT && err.pos.line == 0)) {
		__builtin_trap(); /* every failure says what, and where if it is a place */
	}
	return 0;
}
