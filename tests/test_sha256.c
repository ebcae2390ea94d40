/*
 * test_sha256.c - the SHA-256 of `cnetc run`'s cache keys (compiler/sha256.c)
 * against FIPS 180-4's examples and a long input fed in uneven pieces.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "run.h"

static void hex_of(const void *data, size_t n, char out[65])
{
	Sha256 h;
	sha256_init(&h);
	sha256_update(&h, data, n);
	sha256_hex(&h, out);
}

Test(sha256, fips_examples)
{
	char out[65];
	hex_of("", 0, out);
	cr_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, out);
	cr_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two, strlen(two), out);
	cr_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* a million 'a's, in pieces of 1 to 131 bytes, crossing every block boundary */
Test(sha256, million_a_in_pieces)
{
	static char a[1000000];
	memset(a, 'a', sizeof a);
	Sha256 h;
	sha256_init(&h);
	size_t done = 0, step = 1;
	while (done < sizeof a) {
		size_t n = step < sizeof a - done ? step : sizeof a - done;
		sha256_update(&h, a + done, n);
		done += n;
		step = step % 131 + 1;
	}
	char out[65];
	sha256_hex(&h, out);
	cr_assert_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* sha256_str keeps the boundaries: ("ab", "c") and ("a", "bc") differ */
Test(sha256, strings_are_separated)
{
	Sha256 h;
	char x[65], y[65];
	sha256_init(&h);
	sha256_str(&h, "ab");
	sha256_str(&h, "c");
	sha256_hex(&h, x);
	sha256_init(&h);
	sha256_str(&h, "a");
	sha256_str(&h, "bc");
	sha256_hex(&h, y);
	cr_assert_str_neq(x, y);
}
