/*
 * fuzz_sockspec.c - libFuzzer target for lib/conf/sockspec: parses the input
 * as a socket spec; a spec that parses must print back to text that parses
 * to the same address, port and protocols.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/conf/sockspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[256];
	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	struct sockspec a, b;
	char err[SOCKSPEC_ERR_SIZE];
	if (sockspec_parse(spec, &a, err, sizeof(err)) != 0) {
		if (strlen(err) == 0)
			__builtin_trap(); /* a refusal always says why */
		return 0;
	}
	char text[SOCKSPEC_TEXT_SIZE];
	sockspec_format(&a, text, sizeof(text));
	if (sockspec_parse(text, &b, err, sizeof(err)) != 0 || a.proto != b.proto ||
		a.addr_len != b.addr_len || memcmp(&a.addr, &b.addr, a.addr_len) != 0)
		__builtin_trap();
	return 0;
}
