/*
 * arena.h - bump allocator for data that shares one lifetime
 * (a transfer, a request, a load, a version's private nodes).
 *
 * Ownership: the arena owns every block it hands out; arena_deinit() frees
 * them all at once. Blocks larger than the chunk size get their own chunk.
 * Not thread-safe: one arena per thread or per owner.
 */
#ifndef CASCADE_UTIL_ARENA_H
#define CASCADE_UTIL_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* current chunk, newest first */
	size_t chunk_size;	  /* payload size of ordinary chunks */
	size_t used;		  /* bytes handed out, for accounting */
};

/* chunk_size 0 selects a default (64 KiB). */
void arena_init(struct arena *a, size_t chunk_size);
/* Frees every block. The arena may be reused after arena_init(). */
void arena_deinit(struct arena *a);
/* Aligned (16 bytes) block of n bytes, or NULL when out of memory.
 * The block lives until arena_deinit(). */
void *arena_alloc(struct arena *a, size_t n);
/* arena_alloc() then copy n bytes of src. */
void *arena_dup(struct arena *a, const void *src, size_t n);

#endif
