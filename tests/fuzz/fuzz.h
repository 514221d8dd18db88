/*
 * Shared pieces of the libFuzzer targets in tests/fuzz/ (built only with
 * ./configure CC=clang --enable-fuzzing; see tests/fuzz/README).
 *
 * The targets use the keys of the captured vectors (tests/vectors/, or
 * $MCN_VECTORS_DIR), so the captured packets in the seed corpora
 * authenticate and the fuzzer starts from the accepted paths.
 *
 * FUZZ_ASSERT states an invariant of the code under test: a violation
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#ifndef MCN_FUZZ_H
#define MCN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Decodes the static key file tests/vectors/<rel> (256 bytes); aborts on
 * error. */
void	fuzz_statickey(const char *rel, uint8_t key[256]);

/* A cursor over the fuzzer's input: reads past the end yield zeros. */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 len;
	size_t		 pos;
};

static inline void
fuzz_in_init(struct fuzz_in *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->pos = 0;
}

static inline size_t
fuzz_in_left(const struct fuzz_in *in)
{
	return in->len - in->pos;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);

	return (uint16_t)(v << 8 | fuzz_u8(in));
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);

	return v << 16 | fuzz_u16(in);
}

/* Up to n bytes (fewer at the end of the input); *got says how many. */
static inline const uint8_t *
fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *q = in->p + in->pos;

	if (n > in->len - in->pos)
		n = in->len - in->pos;
	in->pos += n;
	*got = n;
	return q;
}

#endif /* MCN_FUZZ_H */
