/* trainer_ckpt.c: a trainer's state to checkpoint tensors and metadata and
 * back, so that a restored trainer steps on bit for bit as the saved one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_rng.h>

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/problem_ini.h"
#include "trainer_impl.h"

/* ---- names --------------------------------------------------------------- */

/* A model's parameter i by layer: MLP layers hold weight and bias, KAN
 * layers base, bias and coef (kan_layer_params' order). A siamese G owns
 * only its first and last layers (the others are NN1's, saved as F's). */
static void param_name(const trainer *t, nn_model *m, const char *net, size_t i, char *buf, size_t len)
{
    static const char *const kan[] = {"base", "bias", "coef"};
    const nn_spec *s = nn_get_spec(m);
    if (s->kind == NN_FLOW) {
        /* block b's subnets 1 and 2, three layers each, W then b */
        size_t b = i / 12, k = i % 12;
        snprintf(buf, len, "%s.%zu.%zu.%zu.%s", net, b, k / 6 + 1, (k % 6) / 2, k % 2 ? "bias" : "weight");
    } else if (s->kind == NN_MLP) {
        size_t layer = i / 2;
        if (t->p.siamese && m == t->G && layer > 0)
            layer = s->n_widths - 2;
        snprintf(buf, len, "%s.%zu.%s", net, layer, i % 2 ? "bias" : "weight");
    } else {
        snprintf(buf, len, "%s.%zu.%s", net, i / 3, kan[i % 3]);
    }
}

/* Parameter j of stage i's set: NN1's, G's, or NN1's then G's (joint). */
static void stage_param_name(trainer *t, size_t i, size_t j, char *buf, size_t len)
{
    switch (t->p.stages[i].kind) {
    case PROBLEM_STAGE_FORWARD:
        param_name(t, t->F, "F", j, buf, len);
        break;
    case PROBLEM_STAGE_INVERSE:
        param_name(t, t->G, "G", j, buf, len);
        break;
    default: {
        size_t nf = nn_params(t->F)->n;
        if (j < nf)
            param_name(t, t->F, "F", j, buf, len);
        else
            param_name(t, t->G, "G", j - nf, buf, len);
    }
    }
}

/* ---- scalars ------------------------------------------------------------- */

typedef struct field {
    char key[40];
    char kind;      /* l long, i int, d double, z size_t */
    void *p;
} field;

#define MAX_FIELDS (64 + 4 * TERM_N)

static size_t add(field *f, size_t n, const char *key, char kind, void *p)
{
    snprintf(f[n].key, sizeof f[n].key, "%s", key);
    f[n].kind = kind;
    f[n].p = p;
    return n + 1;
}

/* Every scalar of the trainer the next steps read, by metadata key. */
static size_t fields(struct trainer *t, field *f)
{
    size_t n = 0;
    n = add(f, n, "step", 'l', &t->steps);
    n = add(f, n, "stage", 'z', &t->stage);
    n = add(f, n, "stage_steps", 'l', &t->stage_steps);
    n = add(f, n, "stage_end", 'l', &t->stage_end);
    n = add(f, n, "state", 'i', &t->state);
    n = add(f, n, "lr_scale", 'd', &t->lr_scale);
    n = add(f, n, "sched_lr", 'd', &t->sched_lr);
    n = add(f, n, "early_on", 'i', &t->early_on);
    n = add(f, n, "ema_on", 'i', &t->ema_on);
    n = add(f, n, "best_on", 'i', &t->best_on);
    n = add(f, n, "answers_by_best", 'i', &t->answers_by_best);
    n = add(f, n, "finished_stage", 'i', &t->finished_stage);
    n = add(f, n, "stop", 'i', &t->stop);
    n = add(f, n, "trained_on", 'i', &t->trained_on);
    n = add(f, n, "rebase", 'i', &t->rebase);
    n = add(f, n, "joint_fwd0", 'd', &t->joint_fwd0);
    n = add(f, n, "joint_undone", 'i', &t->joint_undone);
    n = add(f, n, "ck_every", 'l', &t->ck_every);
    n = add(f, n, "best_at", 'l', &t->best_at);
    n = add(f, n, "rolled_at", 'l', &t->rolled_at);
    n = add(f, n, "loss", 'd', &t->loss);
    n = add(f, n, "first_loss", 'd', &t->first_loss);
    n = add(f, n, "loss_avg", 'd', &t->loss_avg);
    n = add(f, n, "loss_avg_min", 'd', &t->avg_min);
    n = add(f, n, "rollbacks", 'z', &t->n_rollbacks);
    for (int k = 0; k < TERM_N; k++) {
        char key[40];
        snprintf(key, sizeof key, "lambda.%s", problem_term_name((problem_term)k));
        n = add(f, n, key, 'd', &t->lambda[k]);
        snprintf(key, sizeof key, "term.%s", problem_term_name((problem_term)k));
        n = add(f, n, key, 'd', &t->term[k]);
    }
    n = add(f, n, "plateau.factor", 'd', &t->plateau.factor);
    n = add(f, n, "plateau.threshold", 'd', &t->plateau.threshold);
    n = add(f, n, "plateau.min_lr", 'd', &t->plateau.min_lr);
    n = add(f, n, "plateau.eps", 'd', &t->plateau.eps);
    n = add(f, n, "plateau.patience", 'i', &t->plateau.patience);
    n = add(f, n, "plateau.cooldown", 'i', &t->plateau.cooldown);
    n = add(f, n, "plateau.best", 'd', &t->plateau.best);
    n = add(f, n, "plateau.num_bad", 'i', &t->plateau.num_bad);
    n = add(f, n, "plateau.cooldown_left", 'i', &t->plateau.cooldown_left);
    optim_early *e[2] = {&t->early, &t->best};
    const char *en[2] = {"early", "best"};
    for (int i = 0; i < 2; i++) {
        char key[40];
        snprintf(key, sizeof key, "%s.patience", en[i]);
        n = add(f, n, key, 'i', &e[i]->patience);
        snprintf(key, sizeof key, "%s.wait", en[i]);
        n = add(f, n, key, 'i', &e[i]->wait);
        snprintf(key, sizeof key, "%s.best", en[i]);
        n = add(f, n, key, 'd', &e[i]->best);
        snprintf(key, sizeof key, "%s.best_step", en[i]);
        n = add(f, n, key, 'z', &e[i]->best_step);
        snprintf(key, sizeof key, "%s.step", en[i]);
        n = add(f, n, key, 'z', &e[i]->step);
    }
    n = add(f, n, "ema.decay", 'd', &t->ema.decay);
    n = add(f, n, "ema.updates", 'z', &t->ema.updates);
    n = add(f, n, "history.stride", 'l', &t->hist.stride);
    n = add(f, n, "history.acc_n", 'l', &t->hist.acc_n);
    n = add(f, n, "history.acc_step", 'l', &t->hist.acc_step);
    for (int k = 0; k <= TERM_N; k++) {
        char key[40];
        snprintf(key, sizeof key, "history.acc.%s", k < TERM_N ? problem_term_name((problem_term)k) : "total");
        n = add(f, n, key, 'd', &t->hist.acc[k]);
    }
    return n;
}

static int put_field(checkpoint *c, const field *f, innx_err *err)
{
    switch (f->kind) {
    case 'l': return checkpoint_set_metaf(c, err, f->key, "%ld", *(long *)f->p);
    case 'i': return checkpoint_set_metaf(c, err, f->key, "%d", *(int *)f->p);
    case 'z': return checkpoint_set_metaf(c, err, f->key, "%zu", *(size_t *)f->p);
    default: return checkpoint_set_metaf(c, err, f->key, "%.17g", *(double *)f->p);   /* reads back exactly */
    }
}

static int get_long(const checkpoint *c, const char *key, long lo, long hi, long *v, innx_err *err)
{
    const char *s = checkpoint_meta(c, key);
    if (!s)
        return innx_errf(err, INNX_EINVAL, "%s: __metadata__ lacks %s", checkpoint_path(c), key);
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return innx_errf(err, INNX_EINVAL, "%s: __metadata__: %s = '%.40s' is not an integer in [%ld, %ld]",
                         checkpoint_path(c), key, s, lo, hi);
    *v = x;
    return 0;
}

static int get_field(const checkpoint *c, const field *f, innx_err *err)
{
    long v;
    int st;
    switch (f->kind) {
    case 'l':
        return get_long(c, f->key, 0, __LONG_MAX__, (long *)f->p, err);
    case 'i':
        if ((st = get_long(c, f->key, 0, 0x7fffffff, &v, err)) != 0)
            return st;
        *(int *)f->p = (int)v;
        return 0;
    case 'z':
        if ((st = get_long(c, f->key, 0, __LONG_MAX__, &v, err)) != 0)
            return st;
        *(size_t *)f->p = (size_t)v;
        return 0;
    default: {
        const char *s = checkpoint_meta(c, f->key);
        if (!s)
            return innx_errf(err, INNX_EINVAL, "%s: __metadata__ lacks %s", checkpoint_path(c), f->key);
        char *end;
        double x = strtod(s, &end);
        if (end == s || *end)
            return innx_errf(err, INNX_EINVAL, "%s: __metadata__: %s = '%.40s' is not a number", checkpoint_path(c),
                             f->key, s);
        *(double *)f->p = x;
        return 0;
    }
    }
}

/* ---- tensors ------------------------------------------------------------- */

typedef enum { WALK_SAVE, WALK_CHECK, WALK_LOAD } walk_mode;

typedef struct walk {
    walk_mode mode;
    checkpoint *c;
    innx_err *err;
    unsigned char *seen;     /* CHECK: tensors the trainer expects */
} walk;

static int tensor(walk *w, const char *name, checkpoint_dtype dt, size_t ndim, const size_t *shape, void *data)
{
    if (w->mode == WALK_SAVE)
        return checkpoint_add(w->c, name, dt, ndim, shape, data, w->err);
    int st = checkpoint_get(w->c, name, dt, ndim, shape, w->mode == WALK_LOAD ? data : NULL, w->err);
    if (st == 0 && w->seen)
        w->seen[checkpoint_find(w->c, name) - checkpoint_tensor_at(w->c, 0)] = 1;
    return st;
}

static int matrix(walk *w, const char *name, gsl_matrix_float *m)
{
    size_t shape[2] = {m->size1, m->size2};
    if (m->tda == m->size2)
        return tensor(w, name, CHECKPOINT_F32, 2, shape, m->data);
    /* a strided view: through a packed copy */
    float *buf = malloc(m->size1 * m->size2 * sizeof *buf + 1);
    if (!buf)
        return innx_errf(w->err, INNX_ENOMEM, "out of memory");
    for (size_t r = 0; r < m->size1; r++)
        memcpy(buf + r * m->size2, m->data + r * m->tda, m->size2 * sizeof *buf);
    int st = tensor(w, name, CHECKPOINT_F32, 2, shape, buf);
    if (st == 0 && w->mode == WALK_LOAD)
        for (size_t r = 0; r < m->size1; r++)
            memcpy(m->data + r * m->tda, buf + r * m->size2, m->size2 * sizeof *buf);
    free(buf);
    return st;
}

/* A copy of stage i's parameters (EMA, early stop, best): named after
 * them; in CHECK mode the live parameters stand in for the shapes. */
static int copies(walk *w, trainer *t, size_t i, const char *what, optim_params *snap)
{
    const optim_params *p = t->sg[i].params;
    char name[160], pn[128];
    for (size_t j = 0; j < p->n; j++) {
        stage_param_name(t, i, j, pn, sizeof pn);
        snprintf(name, sizeof name, "%s.%s", what, pn);
        int st = matrix(w, name, w->mode == WALK_CHECK ? p->val[j] : snap->val[j]);
        if (st != 0)
            return st;
    }
    return 0;
}

/* Everything in tensors, in one order for saving, checking and loading.
 * stage and the *_on flags are the saved ones (in t when saving or loading,
 * given when checking). hist_n: the history's points. */
static int walk_trainer(walk *w, trainer *t, size_t stage, int early_on, int ema_on, int best_on, size_t hist_n)
{
    char name[160], pn[128];
    int st;
    nn_model *nets[2] = {t->G, t->F};
    const char *names[2] = {"G", "F"};
    for (int k = 0; k < 2; k++) {
        if (!nets[k])
            continue;
        const optim_params *p = nn_params(nets[k]);
        for (size_t j = 0; j < p->n; j++) {
            param_name(t, nets[k], names[k], j, pn, sizeof pn);
            if ((st = matrix(w, pn, p->val[j])) != 0)
                return st;
        }
    }
    for (size_t i = 0; i < t->p.n_stages; i++) {
        const optim_params *p = t->sg[i].params;
        for (size_t j = 0; j < p->n; j++)
            for (int second = 0; second < 2; second++) {
                gsl_matrix_float *m = optim_adam_moment(t->sg[i].adam, j, second);
                if (!m)
                    continue;
                stage_param_name(t, i, j, pn, sizeof pn);
                snprintf(name, sizeof name, "adam.%zu.%s.%s", i, second ? "v" : "m", pn);
                if ((st = matrix(w, name, m)) != 0)
                    return st;
            }
    }
    if (ema_on && (st = copies(w, t, stage, "ema", &t->ema.avg)) != 0)
        return st;
    if (early_on && (st = copies(w, t, stage, "early", &t->early.snap)) != 0)
        return st;
    if (best_on && (st = copies(w, t, stage, "best", &t->best.snap)) != 0)
        return st;
    /* The history by series name (history.cyc, ..., history.total), so a
     * term newer than the file finds no series and starts empty (NaN), and
     * the point being accumulated (history.acc, F64, one a series). */
    trainer_history *h = &t->hist;
    size_t n = hist_n;
    double *v = malloc((n ? n : 1) * sizeof *v);
    int64_t *steps = malloc((n ? n : 1) * sizeof *steps);
    if (!v || !steps) {
        free(v);
        free(steps);
        return innx_errf(w->err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; w->mode == WALK_SAVE && i < n; i++)
        steps[i] = h->step[i];
    st = tensor(w, "history.step", CHECKPOINT_I64, 1, &n, steps);
    for (size_t i = 0; st == 0 && w->mode == WALK_LOAD && i < n; i++)
        h->step[i] = (long)steps[i];
    for (int k = 0; k <= TERM_N && st == 0; k++) {
        snprintf(name, sizeof name, "history.%s", k < TERM_N ? problem_term_name((problem_term)k) : "total");
        if (w->mode != WALK_SAVE && k < TERM_N && !checkpoint_find(w->c, name)) {
            for (size_t i = 0; w->mode == WALK_LOAD && i < n; i++)
                h->v[k][i] = NAN;
            if (w->mode == WALK_LOAD)
                h->acc[k] = 0;
            continue;
        }
        /* the series are float in memory: through F64 and back exactly */
        for (size_t i = 0; w->mode == WALK_SAVE && i < n; i++)
            v[i] = h->v[k][i];
        st = tensor(w, name, CHECKPOINT_F64, 1, &n, v);
        for (size_t i = 0; st == 0 && w->mode == WALK_LOAD && i < n; i++)
            h->v[k][i] = (float)v[i];
    }
    if (st == 0 && w->mode == WALK_LOAD)
        h->n = n;
    free(v);
    free(steps);
    size_t rs = gsl_rng_size(t->rng);
    if (st == 0)
        st = tensor(w, "rng", CHECKPOINT_U8, 1, &rs, gsl_rng_state(t->rng));
    return st;
}

/* ---- saving -------------------------------------------------------------- */

static int problem_text(const problem *p, char **text, innx_err *err)
{
    size_t len;
    FILE *f = open_memstream(text, &len);
    if (!f)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    int st = problem_ini_write(p, f);
    if (fclose(f) != 0 || st != 0) {
        free(*text);
        *text = NULL;
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    return 0;
}

static checkpoint *build(trainer *t, innx_err *err)
{
    checkpoint *c = checkpoint_alloc();
    if (!c) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    char *text = NULL;
    int st = problem_text(&t->p, &text, err);
    if (st == 0) {
        st = checkpoint_set_meta(c, "problem", text, err);
        free(text);
    }
    field f[MAX_FIELDS];
    size_t n = fields(t, f);
    for (size_t i = 0; i < n && st == 0; i++)
        st = put_field(c, &f[i], err);
    if (st == 0)
        st = checkpoint_set_metaf(c, err, "lr", "%.17g", trainer_lr(t));
    for (size_t i = 0; i < t->p.n_stages && st == 0; i++) {
        char key[40];
        snprintf(key, sizeof key, "adam.%zu.steps", i);
        st = checkpoint_set_metaf(c, err, key, "%zu", optim_adam_steps(t->sg[i].adam));
        snprintf(key, sizeof key, "adam.%zu.lr", i);
        if (st == 0)
            st = checkpoint_set_metaf(c, err, key, "%.17g", optim_adam_lr(t->sg[i].adam));
    }
    /* which lazily built terms each stage's graph holds: a term once on
     * stays in the graph (and in how a batch is drawn) at lambda 0 */
    for (size_t i = 0; i < t->p.n_stages && st == 0; i++) {
        char key[40];
        snprintf(key, sizeof key, "graph.%zu.xcyc", i);
        st = checkpoint_set_metaf(c, err, key, "%d", t->sg[i].term[TERM_XCYC] >= 0);
        snprintf(key, sizeof key, "graph.%zu.gp", i);
        if (st == 0)
            st = checkpoint_set_metaf(c, err, key, "%d", t->sg[i].gp_built);
    }
    for (size_t i = 0; i < t->n_rollbacks && st == 0; i++) {
        char key[40];
        snprintf(key, sizeof key, "rollback.%zu.step", i);
        st = checkpoint_set_metaf(c, err, key, "%ld", t->rollbacks[i].step);
        snprintf(key, sizeof key, "rollback.%zu.why", i);
        if (st == 0)
            st = checkpoint_set_meta(c, key, t->rollbacks[i].why, err);
    }
    if (st == 0)
        st = checkpoint_set_meta(c, "rng.type", gsl_rng_name(t->rng), err);
    walk w = {WALK_SAVE, c, err, NULL};
    if (st == 0)
        st = walk_trainer(&w, t, t->stage, t->early_on, t->ema_on, t->best_on, t->hist.n);
    if (st != 0) {
        checkpoint_free(c);
        return NULL;
    }
    return c;
}

int trainer_save(trainer *t, const char *path, int flags, innx_err *err)
{
    checkpoint *c = build(t, err);
    if (!c)
        return INNX_ENOMEM;
    int st = checkpoint_write(c, path, flags, err);
    checkpoint_free(c);
    return st;
}

int trainer_save_auto(trainer *t, const char *dir, char *path, size_t len, innx_err *err)
{
    char name[PROBLEM_NAME_LEN];
    size_t i;
    for (i = 0; t->p.name[i] && i + 1 < sizeof name; i++) {
        char ch = t->p.name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                 ch == '_' || ch == '.';
        name[i] = ok ? ch : '_';
    }
    name[i] = 0;
    checkpoint *c = build(t, err);
    if (!c)
        return INNX_ENOMEM;
    int st = CHECKPOINT_EEXIST;
    for (int k = 0; k < 1000 && st == CHECKPOINT_EEXIST; k++) {
        char suffix[16] = "";
        if (k)
            snprintf(suffix, sizeof suffix, "-%d", k);
        if ((size_t)snprintf(path, len, "%s/innx-%s-%ld%s.safetensors", dir, name[0] ? name : "run", t->steps,
                             suffix) >= len) {
            st = innx_errf(err, INNX_EINVAL, "%s: directory name too long", dir);
            break;
        }
        st = checkpoint_write(c, path, CHECKPOINT_NO_REPLACE, err);
    }
    checkpoint_free(c);
    if (st == CHECKPOINT_EEXIST)
        st = innx_errf(err, INNX_EIO, "%s: a thousand checkpoints of this step already", path);
    return st;
}

int trainer_autosave_dir(char *dir, size_t len, innx_err *err)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    size_t n;
    if (x && x[0] == '/')   /* the spec: a relative one is ignored */
        n = (size_t)snprintf(dir, len, "%s/innx", x);
    else if (home && home[0])
        n = (size_t)snprintf(dir, len, "%s/.local/state/innx", home);
    else
        return innx_errf(err, INNX_EINVAL, "autosave: neither XDG_STATE_HOME nor HOME is set");
    if (n >= len)
        return innx_errf(err, INNX_EINVAL, "autosave: the directory name is too long");
    /* mkdir -p, 0700 as the XDG spec asks */
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || !*p) {
            char keep = *p;
            *p = 0;
            int st = mkdir(dir, 0700);
            int e = errno;
            *p = keep;
            if (st != 0 && e != EEXIST)
                return innx_errf(err, INNX_EIO, "autosave: cannot create %s: %s", dir, strerror(e));
            if (!keep)
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return innx_errf(err, INNX_EIO, "autosave: %s is not a directory", dir);
    return 0;
}

/* ---- loading ------------------------------------------------------------- */

int trainer_checkpoint_problem(const checkpoint *c, problem *p, innx_err *err)
{
    const char *text = checkpoint_meta(c, "problem");
    if (!text)
        return innx_errf(err, INNX_EINVAL, "%s: __metadata__ lacks the problem", checkpoint_path(c));
    problem q;
    memset(&q, 0, sizeof q);   /* the text gives every setting */
    char name[1100];
    snprintf(name, sizeof name, "%s: problem", checkpoint_path(c));
    if (problem_ini_parse(text, name, &q, err) != 0)
        return INNX_EINVAL;
    *p = q;
    return 0;
}

/* At least this many weights (a layer's in x out, biases aside). */
static double spec_weights(const char *model)
{
    nn_spec s;
    double w = 0;
    if (nn_spec_parse(model, &s, NULL) == 0)
        for (size_t i = 0; i + 1 < s.n_widths; i++)
            w += (double)s.widths[i] * (double)s.widths[i + 1];
    return w;
}

trainer *trainer_load(const checkpoint *c, const problem *p, innx_err *err)
{
    const char *f = checkpoint_path(c);
    const char *rt = checkpoint_meta(c, "rng.type");
    /* The weights are in the data: networks larger than it can hold are
     * refused before they are allocated. */
    double need = spec_weights(p->model) + (problem_has_table(p) ? spec_weights(p->forward_model) : 0);
    if (need * 4 > (double)checkpoint_data_size(c)) {
        innx_errf(err, INNX_EINVAL, "%s: the problem's networks have %.0f weights or more, the file's data holds %zu bytes",
                  f, need, checkpoint_data_size(c));
        return NULL;
    }
    trainer *t = trainer_alloc(p, err);
    if (!t)
        return NULL;
    /* Every scalar into a scratch trainer first: nothing of t changes
     * until the whole file has been checked. */
    struct trainer *s = calloc(1, sizeof *s);
    unsigned char *seen = calloc(checkpoint_n_tensors(c) + 1, 1);
    long adam_steps[PROBLEM_MAX_STAGES];
    double adam_lr[PROBLEM_MAX_STAGES];
    if (!s || !seen) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        goto fail;
    }
    field fs[MAX_FIELDS], ft[MAX_FIELDS];
    size_t n = fields(s, fs);
    fields(t, ft);
    /* A term newer than the file has no lambda.TERM or term.TERM: it
     * starts as the problem says (so files stay readable as terms come). */
    for (int k = 0; k < TERM_N; k++) {
        s->lambda[k] = p->lambda[k];
        s->term[k] = NAN;
    }
    s->joint_fwd0 = NAN;   /* a file older than the joint guard: none */
    for (size_t i = 0; i < n; i++) {
        int optional = !strncmp(fs[i].key, "lambda.", 7) || !strncmp(fs[i].key, "term.", 5) ||
                       !strcmp(fs[i].key, "rebase") || !strcmp(fs[i].key, "joint_fwd0") ||
                       !strcmp(fs[i].key, "joint_undone") ||
                       (!strncmp(fs[i].key, "history.acc.", 12) && strcmp(fs[i].key, "history.acc.total") != 0);
        if ((!optional || checkpoint_meta(c, fs[i].key)) && get_field(c, &fs[i], err) != 0)
            goto fail;
    }
    const char *why = NULL;
    if (s->stage >= t->p.n_stages)
        why = "stage";
    else if (s->state < TRAINER_RUNNING || s->state > TRAINER_DIVERGED)
        why = "state";
    else if (s->ck_every < 1)
        why = "ck_every";
    else if (s->hist.stride < 1 || s->hist.stride > (1L << 40) || s->hist.acc_n >= s->hist.stride)
        why = "history.stride";
    else if (s->n_rollbacks > TRAINER_MAX_ROLLBACKS ||
             (s->n_rollbacks == TRAINER_MAX_ROLLBACKS && s->state == TRAINER_RUNNING))
        why = "rollbacks";   /* a running trainer has room for one more */
    else if (s->stage_steps < 0 || s->steps < s->stage_steps)
        why = "stage_steps";
    else if ((s->early_on && s->early.patience < 1) || s->early_on > 1 || s->ema_on > 1 || s->best_on > 1)
        why = "early_on";
    else if (!rt || strcmp(rt, gsl_rng_name(t->rng)) != 0)
        why = "rng.type";
    if (why) {
        innx_errf(err, INNX_EINVAL, "%s: __metadata__: %s is out of range for this problem", f, why);
        goto fail;
    }
    for (size_t i = 0; i < t->p.n_stages; i++) {
        char key[40];
        snprintf(key, sizeof key, "adam.%zu.steps", i);
        if (get_long(c, key, 0, __LONG_MAX__, &adam_steps[i], err) != 0)
            goto fail;
        snprintf(key, sizeof key, "adam.%zu.lr", i);
        field lr = {"", 'd', &adam_lr[i]};
        snprintf(lr.key, sizeof lr.key, "%s", key);
        if (get_field(c, &lr, err) != 0)
            goto fail;
    }
    /* the lazily built terms (absent: as a fresh trainer builds them) */
    int built[PROBLEM_MAX_STAGES][2];
    for (size_t i = 0; i < t->p.n_stages; i++)
        for (int k = 0; k < 2; k++) {
            char key[40];
            long v = k ? t->sg[i].gp_built : t->sg[i].term[TERM_XCYC] >= 0;
            snprintf(key, sizeof key, "graph.%zu.%s", i, k ? "gp" : "xcyc");
            if (checkpoint_meta(c, key) && get_long(c, key, 0, 1, &v, err) != 0)
                goto fail;
            built[i][k] = (int)v;
        }
    for (size_t i = 0; i < s->n_rollbacks; i++) {
        char key[40];
        snprintf(key, sizeof key, "rollback.%zu.step", i);
        if (get_long(c, key, 0, __LONG_MAX__, &s->rollbacks[i].step, err) != 0)
            goto fail;
        snprintf(key, sizeof key, "rollback.%zu.why", i);
        const char *w = checkpoint_meta(c, key);
        snprintf(s->rollbacks[i].why, sizeof s->rollbacks[i].why, "%s", w ? w : "");
    }
    const checkpoint_tensor *hs = checkpoint_find(c, "history.step");
    size_t hist_n = hs && hs->ndim == 1 ? hs->shape[0] : 0;
    if (hist_n > TRAINER_HIST_CAP) {
        innx_errf(err, INNX_EINVAL, "%s: tensor history.step: %zu points, more than %d", f, hist_n, TRAINER_HIST_CAP);
        goto fail;
    }
    walk w = {WALK_CHECK, (checkpoint *)c, err, seen};
    if (walk_trainer(&w, t, s->stage, s->early_on, s->ema_on, s->best_on, hist_n) != 0)
        goto fail;
    for (size_t i = 0; i < checkpoint_n_tensors(c); i++)
        if (!seen[i]) {
            innx_errf(err, INNX_EINVAL, "%s: tensor %s is not one of the problem's (another network?)", f,
                      checkpoint_tensor_at(c, i)->name);
            goto fail;
        }

    /* Checked: now into t. The stage's copies are made over its own
     * parameters, then every scalar goes in over what the inits set. */
    trainer_stage_free_state(t);
    const optim_params *sp = t->sg[s->stage].params;
    if (s->early_on && optim_early_init(&t->early, sp, s->early.patience) != 0)
        goto nomem;
    t->early_on = s->early_on;
    if (s->best_on && optim_early_init(&t->best, sp, s->best.patience) != 0)
        goto nomem;
    t->best_on = s->best_on;
    if (s->ema_on && optim_ema_init(&t->ema, sp, s->ema.decay) != 0)
        goto nomem;
    t->ema_on = s->ema_on;
    for (size_t i = 0; i < n; i++) {
        size_t sz = fs[i].kind == 'l' ? sizeof(long) : fs[i].kind == 'i' ? sizeof(int)
                  : fs[i].kind == 'z' ? sizeof(size_t) : sizeof(double);
        memcpy(ft[i].p, fs[i].p, sz);
    }
    memcpy(t->rollbacks, s->rollbacks, sizeof t->rollbacks);
    /* The stage runs to the plan of p: --set stage1.steps=N over a
     * checkpoint lengthens (or shortens) it; a run trained on past its
     * plan keeps its own end. */
    if (!t->trained_on && t->state == TRAINER_RUNNING)
        t->stage_end = t->p.stages[t->stage].steps;
    /* Likewise a lambda p sets otherwise than the checkpoint's problem
     * (--set loss.norm=0) replaces the live one saved, and so does a
     * constant schedule's lr; everything else stays as saved. */
    problem saved;
    if (trainer_checkpoint_problem(c, &saved, err) == 0) {
        for (int k = 0; k < TERM_N; k++)
            if (p->lambda[k] != saved.lambda[k]) {
                t->lambda[k] = p->lambda[k];
                t->rebase = 1;
            }
        const problem_stage *ps = &p->stages[t->stage];
        if (ps->schedule == PROBLEM_LR_CONSTANT && !t->trained_on &&
            (saved.stages[t->stage].lr != ps->lr || saved.stages[t->stage].schedule != ps->schedule))
            t->sched_lr = ps->lr;
    }
    for (size_t i = 0; i < t->p.n_stages; i++) {
        optim_adam_set_steps(t->sg[i].adam, (size_t)adam_steps[i]);
        optim_adam_set_lr(t->sg[i].adam, adam_lr[i]);
    }
    /* A stage whose saved graph held xcyc or gp otherwise than the fresh
     * one is built again so (the lambdas for want_xcyc/want_gp are set
     * for the build alone: gp_built keeps gp, lambda > 0 builds xcyc). */
    for (size_t i = 0; i < t->p.n_stages; i++) {
        stage_graph *g = &t->sg[i];
        if (built[i][0] == (g->term[TERM_XCYC] >= 0) && built[i][1] == g->gp_built)
            continue;
        double lx = t->lambda[TERM_XCYC], lg = t->lambda[TERM_GP];
        t->lambda[TERM_XCYC] = built[i][0];
        t->lambda[TERM_GP] = 0;
        g->gp_built = built[i][1];
        int st = trainer_rebuild_stage(t, i, err);
        t->lambda[TERM_XCYC] = lx;
        t->lambda[TERM_GP] = lg;
        if (st != 0)
            goto fail;
        if (built[i][0] != (g->term[TERM_XCYC] >= 0) || built[i][1] != g->gp_built) {
            innx_errf(err, INNX_EINVAL, "%s: __metadata__: graph.%zu: terms this problem cannot build", f, i);
            goto fail;
        }
    }
    w.mode = WALK_LOAD;
    w.seen = NULL;
    if (walk_trainer(&w, t, t->stage, t->early_on, t->ema_on, t->best_on, hist_n) != 0)
        goto fail;
    /* the branch model on a table: its pieces, cut on the NN1 just loaded
     * (frozen since its stage began, so they are the saved run's) */
    if (branch_on_table(t) && t->p.stages[t->stage].kind == PROBLEM_STAGE_INVERSE && branch_pieces(t, err) != 0)
        goto fail;
    free(s);
    free(seen);
    return t;
nomem:
    innx_errf(err, INNX_ENOMEM, "out of memory");
fail:
    free(s);
    free(seen);
    trainer_free(t);
    return NULL;
}
