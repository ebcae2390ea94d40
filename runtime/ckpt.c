/*
 * ckpt.c - binary checkpoints and atomic output files.
 *
 * Takes a payload of bytes (for the program driver: the model struct, then
 * its loop state); produces a file laid out as, all integers little-endian:
 *     offset  0  8 bytes  magic "CNETCKPT"
 *             8  u32      format version (1)
 *            12  u64      model hash (FNV-1a 64 of the .cnet source)
 *            20  u32      real size (4: float, 8: double)
 *            24  u64      payload size in bytes
 *            32  ...      payload
 *       32 + size u64     FNV-1a 64 of every byte before it
 * Reading refuses, with one line naming the file, anything that is not
 * exactly such a file for this model, precision and payload size.
 * Every output goes to a temporary PATH.tmp.XXXXXX (mkstemp) first and is
 * renamed over PATH only after a flush and an fsync, so PATH is always either the old file or the whole new
 * one; on any failure the temporary file is removed.
 */
#include "rt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_VERSION 1u
#define CKPT_HEADER 32

static const char magic[8] = {'C', 'N', 'E', 'T', 'C', 'K', 'P', 'T'};

uint64_t cn_fnv1a(const void *data, size_t n, uint64_t h)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* ------------------------------------------------------------ atomic files */

int cn_out_open(cn_outfile *o, const char *path, cn_error *err)
{
	size_t n = strlen(path);
	mode_t mask;
	int fd, e;

	memset(o, 0, sizeof *o);
	o->path = malloc(n + 1);
	o->tmp = malloc(n + sizeof ".tmp.XXXXXX");
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		memset(o, 0, sizeof *o);
		return cn_rt_err(err, "%s: out of memory", path);
	}
	memcpy(o->path, path, n + 1);
	memcpy(o->tmp, path, n);
	memcpy(o->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	/* a name of its own (O_EXCL: never an existing file or a symlink), so
	 * two runs writing the same path each rename one whole file into place;
	 * then the permissions a plain fopen would give */
	fd = mkstemp(o->tmp);
	if (fd >= 0) {
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0 || !(o->file = fdopen(fd, "wb"))) {
			e = errno;
			close(fd);
			remove(o->tmp);
			errno = e;
		}
	}
	if (!o->file) {
		e = errno;
		free(o->path);
		free(o->tmp);
		memset(o, 0, sizeof *o);
		return cn_rt_err(err, "%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

static void out_release(cn_outfile *o)
{
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
}

void cn_out_abort(cn_outfile *o)
{
	if (o->file) {
		fclose(o->file);
		remove(o->tmp);
	}
	out_release(o);
}

/* Make the rename itself durable; failing here loses nothing but the
 * guarantee across a power cut, so it is not an error. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash) {
		fd = open(".", O_RDONLY);
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		dir = malloc(n + 1);
		if (!dir)
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
		fd = open(dir, O_RDONLY);
		free(dir);
	}
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int cn_out_commit(cn_outfile *o, cn_error *err)
{
	FILE *f = o->file;
	int bad = 0, e = 0;

	if (!f)
		return cn_rt_err(err, "%s: output file is not open", o->path ? o->path : "?");
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		bad = 1;
		e = errno;
	}
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	o->file = NULL;
	if (!bad && rename(o->tmp, o->path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		remove(o->tmp);
		cn_rt_err(err, "%s: write error: %s", o->path, strerror(e));
		out_release(o);
		return 1;
	}
	sync_dir(o->path);
	out_release(o);
	return 0;
}

/* ------------------------------------------------------------ checkpoints */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = bytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int cn_ckpt_write_out(cn_outfile *o, uint64_t model_hash, int real_size, const void *payload,
		      size_t size, cn_error *err)
{
	unsigned char head[CKPT_HEADER], sum[8];
	uint64_t h;

	memcpy(head, magic, 8);
	put_le(head + 8, CKPT_VERSION, 4);
	put_le(head + 12, model_hash, 8);
	put_le(head + 20, (uint64_t)real_size, 4);
	put_le(head + 24, (uint64_t)size, 8);
	h = cn_fnv1a(head, sizeof head, UINT64_C(0xcbf29ce484222325));
	h = cn_fnv1a(payload, size, h);
	put_le(sum, h, 8);
	if (fwrite(head, 1, sizeof head, o->file) != sizeof head ||
	    fwrite(payload, 1, size, o->file) != size || fwrite(sum, 1, 8, o->file) != 8)
		return cn_rt_err(err, "%s: write error: %s", o->path, strerror(errno));
	return 0;
}

int cn_ckpt_write(const char *path, uint64_t model_hash, int real_size, const void *payload,
		  size_t size, cn_error *err)
{
	cn_outfile o;

	if (cn_out_open(&o, path, err))
		return 1;
	if (cn_ckpt_write_out(&o, model_hash, real_size, payload, size, err)) {
		cn_out_abort(&o);
		return 1;
	}
	return cn_out_commit(&o, err);
}

static const char *precision(uint64_t real_size)
{
	return real_size == 4 ? "float" : real_size == 8 ? "double" : "unknown-size";
}

/* Reads psize payload bytes, into payload when the sizes agree (otherwise
 * only to check the sum), then the checksum; returns the bytes found. */
static uint64_t read_rest(FILE *f, uint64_t psize, void *payload, size_t size, size_t alt,
			  uint64_t *h, unsigned char sum[8])
{
	uint64_t got = 0;

	if (psize == (uint64_t)size || (alt && psize == (uint64_t)alt)) {
		got = fread(payload, 1, (size_t)psize, f);
		*h = cn_fnv1a(payload, (size_t)got, *h);
	} else {
		unsigned char chunk[65536];

		while (got < psize) {
			uint64_t want = psize - got < sizeof chunk ? psize - got : sizeof chunk;
			size_t n = fread(chunk, 1, (size_t)want, f);

			*h = cn_fnv1a(chunk, n, *h);
			got += n;
			if (n < want)
				break;
		}
	}
	if (got == psize)
		got += fread(sum, 1, 8, f);
	return got;
}

/* alt: a second payload size accepted (0: none; at most size). */
static int check_file(FILE *f, const char *path, uint64_t model_hash, int real_size, void *payload,
		      size_t size, size_t alt, cn_error *err)
{
	unsigned char head[CKPT_HEADER], sum[8];
	uint64_t version, hash, rsize, psize, h, got;
	size_t n = fread(head, 1, sizeof head, f);

	if (n == 0)
		return cn_rt_err(err, "%s: empty file, not a cnet checkpoint", path);
	if (memcmp(head, magic, n < 8 ? n : 8) != 0)
		return cn_rt_err(err, "%s: not a cnet checkpoint (bad magic)", path);
	if (n < sizeof head)
		return cn_rt_err(err,
				 "%s: truncated checkpoint (%lu bytes, the header alone is %d)",
				 path, (unsigned long)n, CKPT_HEADER);
	version = get_le(head + 8, 4);
	hash = get_le(head + 12, 8);
	rsize = get_le(head + 20, 4);
	psize = get_le(head + 24, 8);
	if (version != CKPT_VERSION)
		return cn_rt_err(err,
				 "%s: checkpoint format version %" PRIu64
				 ", this runtime reads version %u",
				 path, version, CKPT_VERSION);
	h = cn_fnv1a(head, sizeof head, UINT64_C(0xcbf29ce484222325));
	if (psize > UINT64_MAX / 2)
		return cn_rt_err(err, "%s: corrupt checkpoint (payload size %" PRIu64 ")", path,
				 psize);
	got = read_rest(f, psize, payload, size, alt, &h, sum);
	if (got < psize + 8)
		return cn_rt_err(
			err, "%s: truncated checkpoint (%" PRIu64 " bytes, expected %" PRIu64 ")",
			path, CKPT_HEADER + got, CKPT_HEADER + psize + 8);
	if (getc(f) != EOF)
		return cn_rt_err(err, "%s: corrupt checkpoint (bytes after the checksum)", path);
	if (ferror(f))
		return cn_rt_err(err, "%s: read error: %s", path, strerror(errno));
	if (get_le(sum, 8) != h)
		return cn_rt_err(err, "%s: corrupt checkpoint (checksum mismatch)", path);
	if (hash != model_hash)
		return cn_rt_err(err,
				 "%s: checkpoint of another model (source hash %016" PRIx64
				 ", this program %016" PRIx64 ")",
				 path, hash, model_hash);
	if (rsize != (uint64_t)real_size)
		return cn_rt_err(err, "%s: checkpoint holds %s values, this program uses %s", path,
				 precision(rsize), precision((uint64_t)real_size));
	if (psize != (uint64_t)size && !(alt && psize == (uint64_t)alt))
		return cn_rt_err(err,
				 "%s: checkpoint payload is %" PRIu64
				 " bytes, this program expects %lu",
				 path, psize, (unsigned long)size);
	return 0;
}

/* The payload is read into a scratch buffer and copied out only once every
 * check passed, so a refused checkpoint leaves the caller's model untouched. */
int cn_ckpt_read(const char *path, uint64_t model_hash, int real_size, void *payload, size_t size,
		 cn_error *err)
{
	size_t got;

	return cn_ckpt_read_either(path, model_hash, real_size, payload, size, 0, &got, err);
}

int cn_ckpt_read_either(const char *path, uint64_t model_hash, int real_size, void *payload,
			size_t size, size_t alt, size_t *got, cn_error *err)
{
	FILE *f = cn_rt_open_read(path, err);
	void *scratch;
	unsigned char head[CKPT_HEADER];
	int rc;

	if (!f)
		return 1;
	scratch = malloc(size ? size : 1);
	if (!scratch) {
		fclose(f);
		return cn_rt_err(err, "%s: out of memory", path);
	}
	if (alt > size)
		alt = 0;
	rc = check_file(f, path, model_hash, real_size, scratch, size, alt, err);
	*got = size;
	if (rc == 0 && alt && fseek(f, 0, SEEK_SET) == 0 &&
	    fread(head, 1, sizeof head, f) == sizeof head && get_le(head + 24, 8) == (uint64_t)alt)
		*got = alt;
	fclose(f);
	if (rc == 0)
		memcpy(payload, scratch, *got);
	free(scratch);
	return rc;
}

int cn_ckpt_payload_size(const char *path, size_t *psize, cn_error *err)
{
	FILE *f = cn_rt_open_read(path, err);
	unsigned char head[CKPT_HEADER];
	int ok;

	if (!f)
		return 1;
	ok = fread(head, 1, sizeof head, f) == sizeof head && memcmp(head, magic, 8) == 0;
	fclose(f);
	*psize = ok && get_le(head + 24, 8) < UINT64_MAX / 2 ? (size_t)get_le(head + 24, 8) : 0;
	return 0;
}
