/* checkpoint.h: checkpoints as safetensors files: the format (write, read,
 * validate); a trainer's state in one is trainer_ckpt.h's, a layer above.
 *
 * Format. An 8-byte little-endian header length N, N bytes of JSON (padded
 * with blanks to a multiple of 8), then the data section: the raw
 * little-endian bytes of every tensor, back to back. The JSON maps each
 * tensor's name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
 * into the data section) and "__metadata__" to a map of strings. innx adds
 * to the metadata "format" = "innx-checkpoint", "format_version", "innx"
 * (PACKAGE_VERSION), "crc32" (zlib's, of the data section, 8 hex digits),
 * and the trainer's scalars (trainer_save). Any safetensors
 * reader (PyTorch, numpy) opens it. */
#ifndef INNX_CHECKPOINT_H
#define INNX_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "innx/error.h"
#include "innx/safefile.h"

#define CHECKPOINT_FORMAT "innx-checkpoint"
#define CHECKPOINT_FORMAT_VERSION 1
/* Largest file and header a reader takes: a checkpoint of the largest
 * built-in net is a few MB; past these the length is corrupt, not big. */
#define CHECKPOINT_MAX_BYTES ((uint64_t)1 << 32)
#define CHECKPOINT_MAX_HEADER ((uint64_t)64 << 20)
#define CHECKPOINT_MAX_DIMS 4

typedef enum { CHECKPOINT_F32 = 0, CHECKPOINT_F64, CHECKPOINT_I64, CHECKPOINT_U8 } checkpoint_dtype;
const char *checkpoint_dtype_name(checkpoint_dtype d);   /* "F32", ... */
size_t checkpoint_dtype_size(checkpoint_dtype d);

typedef struct checkpoint_tensor {
    char *name;
    checkpoint_dtype dtype;
    size_t ndim;
    size_t shape[CHECKPOINT_MAX_DIMS];
    size_t begin, end;       /* into the data section */
} checkpoint_tensor;

typedef struct checkpoint checkpoint;

/* An empty checkpoint to fill and write. */
checkpoint *checkpoint_alloc(void);
void checkpoint_free(checkpoint *c);
/* Append a tensor: data (host order, ndim <= CHECKPOINT_MAX_DIMS, product
 * of shape elements) is copied. Names are unique. */
int checkpoint_add(checkpoint *c, const char *name, checkpoint_dtype dt, size_t ndim, const size_t *shape,
                   const void *data, innx_err *err);
/* Set (or replace) a metadata string. */
int checkpoint_set_meta(checkpoint *c, const char *key, const char *value, innx_err *err);
int checkpoint_set_metaf(checkpoint *c, innx_err *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write to path: a temporary file in its directory, fsync, rename. With
 * CHECKPOINT_NO_REPLACE an existing path is left alone and the call
 * returns CHECKPOINT_EEXIST (the name is taken with link(), atomically).
 * Sets "crc32", "format", "format_version" and "innx" itself. */
#define CHECKPOINT_NO_REPLACE 1
#define CHECKPOINT_EEXIST SAFEFILE_EEXIST   /* not an innx_err status: only checkpoint_write returns it */
int checkpoint_write(checkpoint *c, const char *path, int flags, innx_err *err);

/* Read and check a file: its length against the header's, the JSON, every
 * dtype, shape and offset (inside the data section, no overlap, no gap),
 * the format version and the CRC. Messages start "PATH: ". */
checkpoint *checkpoint_read(const char *path, innx_err *err);
/* The same on bytes in memory (the fuzzer); name only names them. */
checkpoint *checkpoint_parse(const unsigned char *buf, size_t len, const char *name, innx_err *err);

const char *checkpoint_path(const checkpoint *c);          /* the name messages use */
size_t checkpoint_data_size(const checkpoint *c);          /* bytes of the data section */
size_t checkpoint_n_tensors(const checkpoint *c);
const checkpoint_tensor *checkpoint_tensor_at(const checkpoint *c, size_t i);
const checkpoint_tensor *checkpoint_find(const checkpoint *c, const char *name);
/* A metadata string, NULL if absent; and all of them, by index. */
const char *checkpoint_meta(const checkpoint *c, const char *key);
size_t checkpoint_n_meta(const checkpoint *c);
const char *checkpoint_meta_at(const checkpoint *c, size_t i, const char **value);
/* Copy a tensor out (to host order) after checking that it exists with
 * that dtype and shape; the message names the tensor and both shapes. */
int checkpoint_get(const checkpoint *c, const char *name, checkpoint_dtype dt, size_t ndim, const size_t *shape,
                   void *out, innx_err *err);

#endif
