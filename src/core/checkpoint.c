/* checkpoint.c: the safetensors file itself: tensors and metadata built in
 * memory, written through a temporary file, and read back checked in full. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "config.h"
#include "innx/checkpoint.h"
#include "innx/safefile.h"

typedef struct meta_entry {
    char *key, *value;
} meta_entry;

struct checkpoint {
    char *path;                 /* for messages */
    size_t n, cap;
    checkpoint_tensor *t;       /* in data order */
    size_t n_meta, cap_meta;
    meta_entry *meta;
    unsigned char *data;        /* the data section (owned, or inside buf) */
    size_t data_len, data_cap;
    unsigned char *buf;         /* a read file's bytes, when data points into it */
};

static const char *const dtype_names[] = {"F32", "F64", "I64", "U8"};
static const size_t dtype_sizes[] = {4, 8, 8, 1};

const char *checkpoint_dtype_name(checkpoint_dtype d)
{
    return (unsigned)d < sizeof dtype_names / sizeof *dtype_names ? dtype_names[d] : "?";
}

size_t checkpoint_dtype_size(checkpoint_dtype d)
{
    return (unsigned)d < sizeof dtype_sizes / sizeof *dtype_sizes ? dtype_sizes[d] : 0;
}

/* The file is little-endian; so are the hosts innx runs on, but a
 * big-endian one swaps each element on the way in and out. */
static int host_is_le(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void to_le(unsigned char *p, size_t n, size_t size)
{
    if (size == 1 || host_is_le())
        return;
    for (size_t i = 0; i < n; i++, p += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char c = p[a];
            p[a] = p[b];
            p[b] = c;
        }
}

checkpoint *checkpoint_alloc(void) { return calloc(1, sizeof(checkpoint)); }

void checkpoint_free(checkpoint *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->t[i].name);
    free(c->t);
    for (size_t i = 0; i < c->n_meta; i++) {
        free(c->meta[i].key);
        free(c->meta[i].value);
    }
    free(c->meta);
    if (c->buf)
        free(c->buf);
    else
        free(c->data);
    free(c->path);
    free(c);
}

const char *checkpoint_path(const checkpoint *c) { return c->path ? c->path : "checkpoint"; }
size_t checkpoint_data_size(const checkpoint *c) { return c->data_len; }
size_t checkpoint_n_tensors(const checkpoint *c) { return c->n; }
const checkpoint_tensor *checkpoint_tensor_at(const checkpoint *c, size_t i) { return i < c->n ? &c->t[i] : NULL; }

const checkpoint_tensor *checkpoint_find(const checkpoint *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->t[i].name, name))
            return &c->t[i];
    return NULL;
}

size_t checkpoint_n_meta(const checkpoint *c) { return c->n_meta; }

const char *checkpoint_meta_at(const checkpoint *c, size_t i, const char **value)
{
    if (i >= c->n_meta)
        return NULL;
    if (value)
        *value = c->meta[i].value;
    return c->meta[i].key;
}

const char *checkpoint_meta(const checkpoint *c, const char *key)
{
    for (size_t i = 0; i < c->n_meta; i++)
        if (!strcmp(c->meta[i].key, key))
            return c->meta[i].value;
    return NULL;
}

/* elements of a shape, 0 on overflow past SIZE_MAX / size (and *ok = 0) */
static size_t shape_elems(size_t ndim, const size_t *shape, size_t size, int *ok)
{
    size_t n = 1;
    *ok = 1;
    for (size_t i = 0; i < ndim; i++) {
        if (shape[i] && n > SIZE_MAX / size / shape[i]) {
            *ok = 0;
            return 0;
        }
        n *= shape[i];
    }
    return n;
}

static void shape_text(size_t ndim, const size_t *shape, char *buf, size_t len)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (size_t i = 0; i < ndim && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, i ? ", %zu" : "%zu", shape[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

int checkpoint_add(checkpoint *c, const char *name, checkpoint_dtype dt, size_t ndim, const size_t *shape,
                   const void *data, innx_err *err)
{
    size_t size = checkpoint_dtype_size(dt);
    int ok;
    if (!size || ndim > CHECKPOINT_MAX_DIMS || !name || !*name || !strcmp(name, "__metadata__"))
        return innx_errf(err, INNX_EINVAL, "checkpoint: bad tensor '%s'", name ? name : "");
    if (checkpoint_find(c, name))
        return innx_errf(err, INNX_EINVAL, "checkpoint: tensor '%s' twice", name);
    size_t n = shape_elems(ndim, shape, size, &ok), bytes = n * size;
    if (!ok || c->data_len > SIZE_MAX - bytes)
        return innx_errf(err, INNX_EINVAL, "checkpoint: tensor '%s' too large", name);
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        checkpoint_tensor *t = realloc(c->t, cap * sizeof *t);
        if (!t)
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        c->t = t;
        c->cap = cap;
    }
    if (c->data_len + bytes > c->data_cap) {
        size_t cap = c->data_cap ? c->data_cap : 1 << 16;
        while (cap < c->data_len + bytes)
            cap *= 2;
        unsigned char *d = realloc(c->data, cap);
        if (!d)
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        c->data = d;
        c->data_cap = cap;
    }
    checkpoint_tensor *t = &c->t[c->n];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    t->dtype = dt;
    t->ndim = ndim;
    memcpy(t->shape, shape, ndim * sizeof *shape);
    t->begin = c->data_len;
    t->end = c->data_len + bytes;
    if (bytes) {
        memcpy(c->data + t->begin, data, bytes);
        to_le(c->data + t->begin, n, size);
    }
    c->data_len += bytes;
    c->n++;
    return 0;
}

int checkpoint_set_meta(checkpoint *c, const char *key, const char *value, innx_err *err)
{
    char *v = strdup(value);
    if (!v)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->n_meta; i++)
        if (!strcmp(c->meta[i].key, key)) {
            free(c->meta[i].value);
            c->meta[i].value = v;
            return 0;
        }
    if (c->n_meta == c->cap_meta) {
        size_t cap = c->cap_meta ? 2 * c->cap_meta : 64;
        meta_entry *m = realloc(c->meta, cap * sizeof *m);
        if (!m) {
            free(v);
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        }
        c->meta = m;
        c->cap_meta = cap;
    }
    if (!(c->meta[c->n_meta].key = strdup(key))) {
        free(v);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    c->meta[c->n_meta++].value = v;
    return 0;
}

int checkpoint_set_metaf(checkpoint *c, innx_err *err, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return checkpoint_set_meta(c, key, buf, err);
}

int checkpoint_get(const checkpoint *c, const char *name, checkpoint_dtype dt, size_t ndim, const size_t *shape,
                   void *out, innx_err *err)
{
    const checkpoint_tensor *t = checkpoint_find(c, name);
    if (!t)
        return innx_errf(err, INNX_EINVAL, "%s: no tensor %s", checkpoint_path(c), name);
    if (t->dtype != dt)
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s is %s, expected %s", checkpoint_path(c), name,
                         checkpoint_dtype_name(t->dtype), checkpoint_dtype_name(dt));
    int same = t->ndim == ndim;
    for (size_t i = 0; same && i < ndim; i++)
        same = t->shape[i] == shape[i];
    if (!same) {
        char a[128], b[128];
        shape_text(t->ndim, t->shape, a, sizeof a);
        shape_text(ndim, shape, b, sizeof b);
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s has shape %s but the problem's network needs %s",
                         checkpoint_path(c), name, a, b);
    }
    if (out && t->end > t->begin) {
        memcpy(out, c->data + t->begin, t->end - t->begin);
        size_t size = checkpoint_dtype_size(dt);
        to_le(out, (t->end - t->begin) / size, size);   /* LE -> host is the same swap */
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------- */

/* json_dumps through a buffer of our own, whose failure sticks: jansson
 * 2.14 ignores a failed write of an object's key and goes on, so
 * json_dumps returned a header with a key and its quote missing, and the
 * save succeeded with a file no reader opens (test_oom). */
typedef struct dump_buf {
    char *s;
    size_t len, cap;
    int failed;
} dump_buf;

static int dump_put(const char *b, size_t n, void *data)
{
    dump_buf *d = data;
    if (!d->failed && d->len + n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (d->len + n + 1 > cap)
            cap *= 2;
        char *s = realloc(d->s, cap);
        if (s) {
            d->s = s;
            d->cap = cap;
        } else {
            d->failed = 1;
        }
    }
    if (d->failed)
        return -1;
    memcpy(d->s + d->len, b, n);
    d->len += n;
    d->s[d->len] = 0;
    return 0;
}

static char *header_json(checkpoint *c, size_t *len, innx_err *err)
{
    json_t *root = json_object(), *meta = json_object();
    int bad = !root || !meta || json_object_set_new(root, "__metadata__", meta) != 0;
    if (bad && root)
        json_decref(root);
    else if (bad)
        json_decref(meta);
    if (bad) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < c->n_meta && !bad; i++)
        bad = json_object_set_new(meta, c->meta[i].key, json_string(c->meta[i].value)) != 0;
    for (size_t i = 0; i < c->n && !bad; i++) {
        const checkpoint_tensor *t = &c->t[i];
        json_t *o = json_object(), *shape = json_array(), *off = json_array();
        bad = !o || !shape || !off;
        for (size_t d = 0; d < t->ndim && !bad; d++)
            bad = json_array_append_new(shape, json_integer((json_int_t)t->shape[d])) != 0;
        if (!bad)
            bad = json_array_append_new(off, json_integer((json_int_t)t->begin)) != 0 ||
                  json_array_append_new(off, json_integer((json_int_t)t->end)) != 0 ||
                  json_object_set_new(o, "dtype", json_string(checkpoint_dtype_name(t->dtype))) != 0;
        if (!bad) {
            /* each _new call takes its value, failing or not; the ones
             * not handed over yet are freed below (they leaked: test_oom) */
            bad = json_object_set_new(o, "shape", shape) != 0;
            shape = NULL;
            if (!bad) {
                bad = json_object_set_new(o, "data_offsets", off) != 0;
                off = NULL;
            }
            if (!bad) {
                bad = json_object_set_new(root, t->name, o) != 0;
                o = NULL;
            }
        }
        if (o)
            json_decref(o);
        if (shape)
            json_decref(shape);
        if (off)
            json_decref(off);
    }
    dump_buf d = {NULL, 0, 0, 0};
    bad = bad || json_dump_callback(root, dump_put, &d, JSON_COMPACT) != 0 || d.failed || !d.s;
    json_decref(root);
    if (bad) {
        free(d.s);
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    *len = d.len;
    return d.s;
}

int checkpoint_write(checkpoint *c, const char *path, int flags, innx_err *err)
{
    if (!path || !*path)
        return innx_errf(err, INNX_EINVAL, "no checkpoint file named");
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return innx_errf(err, INNX_EINVAL, "%s: is a directory", path);
    if (exists && (flags & CHECKPOINT_NO_REPLACE))
        return innx_errf(err, CHECKPOINT_EEXIST, "%s: exists", path);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t o = 0; o < c->data_len;) {
        size_t n = c->data_len - o > (1u << 30) ? (1u << 30) : c->data_len - o;
        crc = crc32(crc, c->data + o, (uInt)n);
        o += n;
    }
    int st_;
    if ((st_ = checkpoint_set_meta(c, "format", CHECKPOINT_FORMAT, err)) != 0 ||
        (st_ = checkpoint_set_metaf(c, err, "format_version", "%d", CHECKPOINT_FORMAT_VERSION)) != 0 ||
        (st_ = checkpoint_set_meta(c, "innx", PACKAGE_VERSION, err)) != 0 ||
        (st_ = checkpoint_set_metaf(c, err, "crc32", "%08lx", (unsigned long)crc)) != 0)
        return st_;
    size_t hlen;
    char *h = header_json(c, &hlen, err);
    if (!h)
        return INNX_ENOMEM;
    size_t padded = (hlen + 7) / 8 * 8;
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)((uint64_t)padded >> (8 * i));

    safefile sf;
    int status = safefile_open(&sf, path, err);
    if (status != 0) {
        free(h);
        return status;
    }
    static const char pad[8] = "        ";
    /* (no data at all is a valid file: fwrite must not see its NULL) */
    int ok = fwrite(lenb, 1, 8, sf.f) == 8 && fwrite(h, 1, hlen, sf.f) == hlen &&
             fwrite(pad, 1, padded - hlen, sf.f) == padded - hlen &&
             (c->data_len == 0 || fwrite(c->data, 1, c->data_len, sf.f) == c->data_len);
    int e = errno;
    free(h);
    if (!ok) {
        safefile_abort(&sf);
        return innx_errf(err, INNX_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return safefile_commit(&sf, flags & CHECKPOINT_NO_REPLACE ? SAFEFILE_NEW : SAFEFILE_REPLACE, err);
}

/* ---- reading ------------------------------------------------------------- */

static int cmp_begin(const void *a, const void *b)
{
    const checkpoint_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static int json_size(const json_t *v, size_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    json_int_t x = json_integer_value(v);
    if ((uint64_t)x > SIZE_MAX)
        return -1;
    *out = (size_t)x;
    return 0;
}

static int parse_tensor(checkpoint *c, const char *name, json_t *o, size_t data_len, innx_err *err)
{
    const char *f = checkpoint_path(c);
    if (!json_is_object(o))
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: not an object", f, name);
    json_t *dt = json_object_get(o, "dtype"), *shape = json_object_get(o, "shape"),
           *off = json_object_get(o, "data_offsets");
    if (json_object_size(o) != 3 || !dt || !shape || !off)
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: needs exactly dtype, shape and data_offsets", f, name);
    if (!json_is_string(dt))
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: dtype is not a string", f, name);
    checkpoint_tensor *t = &c->t[c->n];
    memset(t, 0, sizeof *t);
    size_t k;
    for (k = 0; k < sizeof dtype_names / sizeof *dtype_names; k++)
        if (!strcmp(json_string_value(dt), dtype_names[k]))
            break;
    if (k == sizeof dtype_names / sizeof *dtype_names)
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: dtype '%.32s' is not F32, F64, I64 or U8", f, name,
                         json_string_value(dt));
    t->dtype = (checkpoint_dtype)k;
    if (!json_is_array(shape) || json_array_size(shape) > CHECKPOINT_MAX_DIMS)
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: shape is not a list of at most %d sizes", f, name,
                         CHECKPOINT_MAX_DIMS);
    t->ndim = json_array_size(shape);
    for (size_t i = 0; i < t->ndim; i++)
        if (json_size(json_array_get(shape, i), &t->shape[i]) != 0)
            return innx_errf(err, INNX_EINVAL, "%s: tensor %s: shape holds something not a size", f, name);
    if (!json_is_array(off) || json_array_size(off) != 2 || json_size(json_array_get(off, 0), &t->begin) != 0 ||
        json_size(json_array_get(off, 1), &t->end) != 0 || t->begin > t->end)
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: data_offsets is not [begin, end]", f, name);
    if (t->end > data_len)
        return innx_errf(err, INNX_EINVAL,
                         "%s: tensor %s: data_offsets [%zu, %zu] run past the data section (%zu bytes): truncated?",
                         f, name, t->begin, t->end, data_len);
    int ok;
    size_t size = checkpoint_dtype_size(t->dtype), n = shape_elems(t->ndim, t->shape, size, &ok);
    if (!ok || n * size != t->end - t->begin) {
        char s[128];
        shape_text(t->ndim, t->shape, s, sizeof s);
        return innx_errf(err, INNX_EINVAL, "%s: tensor %s: %s %s does not fill its %zu bytes", f, name,
                         checkpoint_dtype_name(t->dtype), s, t->end - t->begin);
    }
    if (!(t->name = strdup(name)))
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    c->n++;
    return 0;
}

/* Takes buf (len bytes, malloc'd) whatever happens. */
static checkpoint *parse_owned(unsigned char *buf, size_t len, const char *name, innx_err *err)
{
    checkpoint *c = checkpoint_alloc();
    json_t *root = NULL;
    if (!c || !(c->path = strdup(name ? name : "checkpoint"))) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        goto fail;
    }
    c->buf = buf;
    buf = NULL;
    const char *f = c->path;
    if (len < 8) {
        innx_errf(err, INNX_EINVAL, "%s: not a safetensors file (%zu bytes, shorter than the header length)", f,
                  len);
        goto fail;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | c->buf[i];
    if (n > CHECKPOINT_MAX_HEADER) {
        innx_errf(err, INNX_EINVAL, "%s: not a safetensors file (a header of %" PRIu64 " bytes is absurd)", f, n);
        goto fail;
    }
    if (n > len - 8) {
        innx_errf(err, INNX_EINVAL, "%s: truncated: the header says %" PRIu64 " bytes, the file has %zu after its length",
                  f, n, len - 8);
        goto fail;
    }
    if (n < 2 || c->buf[8] != '{') {
        innx_errf(err, INNX_EINVAL, "%s: not a safetensors file (no JSON header)", f);
        goto fail;
    }
    json_error_t je;
    root = json_loadb((const char *)c->buf + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        innx_errf(err, INNX_EINVAL, "%s: not a safetensors file (header: %s)", f,
                  root ? "not a JSON object" : je.text);
        goto fail;
    }
    c->data = c->buf + 8 + n;
    c->data_len = len - 8 - (size_t)n;
    size_t keys = json_object_size(root);
    if (!(c->t = calloc(keys ? keys : 1, sizeof *c->t))) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        goto fail;
    }
    c->cap = keys;
    const char *key;
    json_t *v;
    json_t *meta = NULL;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "__metadata__")) {
            meta = v;
            continue;
        }
        if (parse_tensor(c, key, v, c->data_len, err) != 0)
            goto fail;
    }
    if (meta) {
        if (!json_is_object(meta)) {
            innx_errf(err, INNX_EINVAL, "%s: __metadata__ is not a map of strings", f);
            goto fail;
        }
        json_object_foreach(meta, key, v) {
            if (!json_is_string(v)) {
                innx_errf(err, INNX_EINVAL, "%s: __metadata__: %s is not a string", f, key);
                goto fail;
            }
            if (checkpoint_set_meta(c, key, json_string_value(v), err) != 0)
                goto fail;
        }
    }
    /* The tensors tile the data section: in offset order each begins where
     * the last ended, and the last ends with the file. */
    qsort(c->t, c->n, sizeof *c->t, cmp_begin);
    size_t at = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->t[i].begin != at) {
            innx_errf(err, INNX_EINVAL, "%s: tensor %s: data_offsets begin at %zu, %s", f, c->t[i].name,
                      c->t[i].begin, c->t[i].begin < at ? "inside the tensor before it (overlap)"
                                                        : "after a gap in the data");
            goto fail;
        }
        at = c->t[i].end;
    }
    if (at != c->data_len) {
        innx_errf(err, INNX_EINVAL, "%s: the data section has %zu bytes, the tensors account for %zu", f,
                  c->data_len, at);
        goto fail;
    }
    const char *fmt = checkpoint_meta(c, "format"), *ver = checkpoint_meta(c, "format_version");
    if (!fmt || strcmp(fmt, CHECKPOINT_FORMAT) != 0 || !ver) {
        innx_errf(err, INNX_EINVAL, "%s: a safetensors file but not an innx checkpoint (no format %s in __metadata__)",
                  f, CHECKPOINT_FORMAT);
        goto fail;
    }
    char *end;
    errno = 0;
    long vn = strtol(ver, &end, 10);
    if (errno || end == ver || *end || vn != CHECKPOINT_FORMAT_VERSION) {
        innx_errf(err, INNX_EINVAL, "%s: format version %.32s, this innx reads version %d", f, ver,
                  CHECKPOINT_FORMAT_VERSION);
        goto fail;
    }
    const char *crc_s = checkpoint_meta(c, "crc32");
    unsigned long want = 0;
    if (!crc_s || strlen(crc_s) != 8 || (errno = 0, want = strtoul(crc_s, &end, 16), errno || *end)) {
        innx_errf(err, INNX_EINVAL, "%s: no crc32 (8 hex digits) in __metadata__", f);
        goto fail;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t o = 0; o < c->data_len;) {
        size_t m = c->data_len - o > (1u << 30) ? (1u << 30) : c->data_len - o;
        crc = crc32(crc, c->data + o, (uInt)m);
        o += m;
    }
    if ((unsigned long)crc != want) {
        innx_errf(err, INNX_EINVAL, "%s: the data is corrupt (CRC32 %08lx, the header says %s)", f,
                  (unsigned long)crc, crc_s);
        goto fail;
    }
    json_decref(root);
    return c;
fail:
    if (root)
        json_decref(root);
    free(buf);
    checkpoint_free(c);
    return NULL;
}

checkpoint *checkpoint_parse(const unsigned char *buf, size_t len, const char *name, innx_err *err)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(copy, buf, len);
    return parse_owned(copy, len, name, err);
}

checkpoint *checkpoint_read(const char *path, innx_err *err)
{
    /* O_NONBLOCK: a FIFO named by mistake must not hang the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        innx_errf(err, INNX_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    unsigned char lenb[8];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        innx_errf(err, INNX_EINVAL, "%s: not a regular file", path);
        return NULL;
    }
    /* Sizes first, from the file's length: nothing is allocated for a
     * header or data the file cannot hold. */
    uint64_t size = (uint64_t)st.st_size;
    if (size > CHECKPOINT_MAX_BYTES) {
        close(fd);
        innx_errf(err, INNX_EINVAL, "%s: %" PRIu64 " bytes: larger than any checkpoint", path, size);
        return NULL;
    }
    if (size >= 8) {
        ssize_t r = pread(fd, lenb, 8, 0);
        uint64_t n = 0;
        for (int i = 7; r == 8 && i >= 0; i--)
            n = n << 8 | lenb[i];
        const char *why = r != 8 ? "cannot read its length" : NULL;
        char msg[160];
        if (!why && n > CHECKPOINT_MAX_HEADER) {
            snprintf(msg, sizeof msg, "not a safetensors file (a header of %" PRIu64 " bytes is absurd)", n);
            why = msg;
        } else if (!why && n > size - 8) {
            snprintf(msg, sizeof msg, "truncated: the header says %" PRIu64 " bytes, the file has %" PRIu64
                     " after its length", n, size - 8);
            why = msg;
        }
        if (why) {
            close(fd);
            innx_errf(err, INNX_EINVAL, "%s: %s", path, why);
            return NULL;
        }
    }
    unsigned char *buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        close(fd);
        innx_errf(err, INNX_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            close(fd);
            free(buf);
            innx_errf(err, INNX_EIO, "%s: read failed: %s", path, strerror(e));
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    return parse_owned(buf, (size_t)size, path, err);
}
