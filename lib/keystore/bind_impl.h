/*
 * bind_impl.h - what the reader (bind.c) and the writer (bind_write.c) of
 * BIND key files share. Not a public interface. Constant data; thread-safe.
 */
#ifndef CASCADE_KEYSTORE_BIND_IMPL_H
#define CASCADE_KEYSTORE_BIND_IMPL_H

#include "lib/dnssec/key.h"

/* The private fields: the RSA parts in enum key_part order, then the one
 * field of ECDSA and EdDSA keys ("PrivateKey"). */
#define BIND_FIELDS (KEY_PARTS + 1)
extern const char *const bind_field_name[BIND_FIELDS];

#endif
