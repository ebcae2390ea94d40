/*
 * safetensors.h - reading and writing the safetensors format (Hugging Face),
 * in terms of (name, dtype, shape, data): no model, no runtime types, only
 * libc, so that cnetc can compile runtime/safetensors.c as it is.
 *
 * The format: an 8-byte little-endian header length N; N bytes of JSON, one
 * object mapping each tensor name to {"dtype": "F32", "shape": [OUT, IN],
 * "data_offsets": [BEGIN, END]} plus an optional "__metadata__" object of
 * string values, padded with spaces; then the tensors' bytes, little-endian,
 * row-major, END - BEGIN bytes each at [BEGIN, END) of this data part.
 *
 * Reading is strict.  The header must be UTF-8 JSON of exactly that shape
 * (no other keys, no duplicate keys or names, integers without sign, fraction
 * or exponent, at most CN_ST_MAX_DIMS dimensions, no "\u0000" in a string),
 * N at most CN_ST_MAX_HEADER, every dtype known, END - BEGIN the tensor's
 * size, and the tensors, sorted by BEGIN, must cover the data part exactly:
 * from 0, without gaps or overlaps, to its end.  Messages are one line,
 * without the file name (the caller adds it); JSON errors give the byte of
 * the file where they are.
 */
#ifndef CNET_SAFETENSORS_H
#define CNET_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CN_ST_MAX_HEADER 100000000u /* as the reference implementation */
#define CN_ST_MAX_DIMS 8

typedef enum cn_st_dtype {
	CN_ST_BOOL,
	CN_ST_U8,
	CN_ST_I8,
	CN_ST_F8_E5M2,
	CN_ST_F8_E4M3,
	CN_ST_I16,
	CN_ST_U16,
	CN_ST_F16,
	CN_ST_BF16,
	CN_ST_I32,
	CN_ST_U32,
	CN_ST_F32,
	CN_ST_F64,
	CN_ST_I64,
	CN_ST_U64,
	CN_ST_NUM_DTYPES
} cn_st_dtype;

typedef struct cn_st_tensor {
	const char *name; /* NUL-terminated UTF-8 */
	cn_st_dtype dtype;
	int ndim;                       /* 0: a scalar */
	uint64_t shape[CN_ST_MAX_DIMS]; /* row-major */
	uint64_t begin, end;            /* data_offsets */
	const unsigned char *data;      /* end - begin bytes, once read */
} cn_st_tensor;

typedef struct cn_st_file {
	int ntensors;
	cn_st_tensor *tensors; /* in the header's order */
	int nmeta;
	char **meta; /* nmeta key, value pairs: meta[2i], meta[2i + 1] */
	uint64_t header_len, data_len;
	unsigned char *data; /* data_len bytes after cn_st_read_data */
	char *strings;       /* owns every name, key and value */
} cn_st_file;

const char *cn_st_dtype_name(cn_st_dtype t);
size_t cn_st_dtype_size(cn_st_dtype t);

/* Parse the header json[0..n), N bytes (the bytes after the length).  data_len
 * is the total the offsets cover.  0 ok; else 1, *out empty and the reason in
 * err.  Bytes in messages are counted from the start of the file. */
int cn_st_parse_header(const char *json, size_t n, cn_st_file *out, char *err, size_t errcap);
/* The length and the header from f, at its start; then cn_st_parse_header. */
int cn_st_read_header(FILE *f, cn_st_file *out, char *err, size_t errcap);
/* The data part after the header: exactly data_len bytes, then the end of the
 * file; sets every tensor's data.  The caller checks data_len first (it
 * allocates that much).  0 ok; else 1 with err (st stays valid to free). */
int cn_st_read_data(FILE *f, cn_st_file *st, char *err, size_t errcap);
void cn_st_free(cn_st_file *st);

/* Value i of a float tensor (F16, BF16, F32, F64) as a double. */
double cn_st_get(const cn_st_tensor *t, uint64_t i);
uint64_t cn_st_count(const cn_st_tensor *t); /* product of the shape */

/* Write tensors t[0..n) (each data in the machine's byte order, packed in
 * file order: offsets follow the order given) with the metadata pairs
 * meta[0..2 nmeta), the header padded with spaces to a multiple of 8 bytes.
 * Returns 0, or 1 on a write error (errno set by stdio). */
int cn_st_write(FILE *f, const cn_st_tensor *t, int n, const char *const *meta, int nmeta);

#endif
