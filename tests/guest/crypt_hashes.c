/*
 * crypt(3) and crypt_r for each hash musl implements: DES, MD5 ($1$),
 * SHA-256 ($5$, default and given rounds), SHA-512 ($6$), bcrypt ($2a$,
 * $2b$, $2y$). Built twice: as a unikernel (musl's crypt from musl-crypt/)
 * and for the host with glibc and Debian's libxcrypt (-lcrypt), an
 * independent implementation, as the oracle; `differential` compares the
 * output. The host's musl-dev has no crypt either, so no musl-gcc oracle.
 *
 * On musl also encrypt/setkey (DES on bit arrays), checked against the
 * classic DES test vector; glibc no longer links them, so its build prints
 * the expected line.
 */
#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cases[][2] = {
    {"password", "ab"},
    {"", "./"},
    {"a longer passphrase, only 8 count", "Zz"},
    {"password", "$1$saltsalt$"},
    {"", "$1$$"},
    {"password", "$5$saltstring"},
    {"Hello world!", "$5$rounds=10000$saltstringsaltstring"},
    {"password", "$6$saltstring"},
    {"password", "$6$rounds=1000$roundstoolow"},
    {"password", "$2b$05$CCCCCCCCCCCCCCCCCCCCC."},
    {"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC."},
    {"\xff\xa3"
     "345",
     "$2y$05$/OK.fbVrR/bpIqNJ5ianF."},
};

/* DES of 0x0123456789abcdef under key 0x133457799bbcdff1 through
 * setkey/encrypt; the ciphertext and the decrypted block in hex. */
static void des_vector(void)
{
#ifdef __GLIBC__
	puts("encrypt: 85e813540f0ab405, decrypt: 0123456789abcdef");
#else
	const uint64_t key = 0x133457799bbcdff1ULL, plain = 0x0123456789abcdefULL;
	char k[64], b[64];
	uint64_t c = 0, d = 0;
	for (int i = 0; i < 64; i++) {
		k[i] = (char)(key >> (63 - i) & 1);
		b[i] = (char)(plain >> (63 - i) & 1);
	}
	setkey(k);
	encrypt(b, 0);
	for (int i = 0; i < 64; i++)
		c = c << 1 | (uint64_t)(b[i] & 1);
	encrypt(b, 1);
	for (int i = 0; i < 64; i++)
		d = d << 1 | (uint64_t)(b[i] & 1);
	printf("encrypt: %016llx, decrypt: %016llx\n", (unsigned long long)c,
	       (unsigned long long)d);
#endif
}

int main(void)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	if (!data)
		return 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *h = crypt(cases[i][0], cases[i][1]);
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", h ? h : "(null)");
		const char *r = crypt_r(cases[i][0], cases[i][1], data);
		printf("%s -> %s%s\n", cases[i][1], copy,
		       r && !strcmp(r, copy) ? "" : " (crypt_r differs)");
	}
	des_vector();
	free(data);
	return 0;
}
