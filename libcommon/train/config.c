/* config.c - options onto a training configuration; the model file of a
 * run. */
#include "config.h"

#include "train/config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/augment.h"
#include "nn/optim.h"

void rsc_train_opts_init(rsc_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lr = o->momentum = o->weight_decay = o->gamma = NAN;
    o->clip_value = o->clip_norm = o->input_noise = NAN;
    o->seed = -1;
    o->threads = -1;
}

static void set(double *field, double v)
{
    if (!isnan(v))
        *field = v;
}

int rsc_train_configure(rsc_train_cfg *cfg, const rsc_train_opts *o, const rsc_file *resumed,
                        const char *resumed_name, rsc_error *err)
{
    if (resumed) {
        if (rsc_train_cfg_from_model(cfg, resumed, resumed_name, err) != 0)
            return -1;
        if (o->arch && strcmp(o->arch, cfg->arch) != 0)
            return rsc_fail(err, "--arch %s: the resumed model is %s", o->arch, cfg->arch),
                   RSC_TRAIN_CONFLICT;
        if (o->seed >= 0 && (unsigned long long)o->seed != cfg->train_seed)
            return rsc_fail(err, "--seed %lld: the resumed model was trained with seed %llu",
                            o->seed, (unsigned long long)cfg->train_seed),
                   RSC_TRAIN_CONFLICT;
    } else {
        rsc_train_cfg_defaults(cfg);
        if (o->arch)
            snprintf(cfg->arch, sizeof cfg->arch, "%s", o->arch);
        if (o->seed >= 0)
            cfg->train_seed = (uint64_t)o->seed;
    }
    /* A resumed run keeps its recorded thread count unless told otherwise
     * (the thread count is part of determinism). */
    if (o->threads >= 0 || !resumed)
        cfg->threads = o->threads > 0 ? (int)o->threads : 0;
    if (o->optimizer)
        cfg->optim.type = rsc_optim_type_parse(o->optimizer);
    if (!isnan(o->lr)) {
        cfg->optim.lr = o->lr;
        if (resumed)
            cfg->optim.nmilestones = 0;   /* a new constant rate */
    }
    set(&cfg->optim.momentum, o->momentum);
    set(&cfg->optim.weight_decay, o->weight_decay);
    set(&cfg->optim.gamma, o->gamma);
    set(&cfg->clip_value, o->clip_value);
    set(&cfg->clip_norm, o->clip_norm);
    set(&cfg->input_noise, o->input_noise);
    if (o->augment)
        cfg->augment = rsc_augment_parse(o->augment);
    long batches_done = 0;
    rsc_error ignored;   /* checked by rsc_train_cfg_from_model */
    if (resumed && rsc_meta_get_long(resumed, "batches_done", &batches_done, &ignored) != 0)
        batches_done = 0;
    /* A checkpoint taken in the middle of an epoch resumes at its batch:
     * the batches' positions depend on the batch size. */
    if (batches_done > 0 && o->batch_size > 0 && o->batch_size != cfg->batch_size)
        return rsc_fail(err, "--batch-size %ld: %s stopped in the middle of an epoch of "
                        "batches of %d; resume it with the same batch size",
                        o->batch_size, resumed_name, cfg->batch_size),
               RSC_TRAIN_CONFLICT;
    if (o->batch_size > 0)
        cfg->batch_size = (int)o->batch_size;
    if (o->epochs > 0)
        cfg->epochs = (int)o->epochs;
    if (!resumed)
        rsc_optim_default_milestones(&cfg->optim, cfg->epochs);
    if (o->milestones && rsc_optim_milestones_parse(&cfg->optim, o->milestones, err) != 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return rsc_fail(err, "--%s", msg), RSC_TRAIN_CONFLICT;
    }
    long done = 0;
    if (resumed && rsc_meta_get_long(resumed, "epochs_done", &done, &ignored) != 0)
        done = 0;
    if (resumed && done >= cfg->epochs)
        return rsc_fail(err, "%s: already trained for %ld epochs; give --epochs with a larger total",
                        resumed_name, done),
               RSC_TRAIN_CONFLICT;
    return 0;
}

rsc_file *rsc_train_model_file(rsc_trainer *tr, const rsc_file *ds, const char *creator,
                               rsc_error *err)
{
    /* the mia_ keys say which part of a membership-inference split the
     * model was trained on (data/mia_split.h); rsc-mia checks them */
    static const char *const prov[] = { "name",           "pattern",        "target",     "count",
                                        "seed",           "mia_split",      "mia_part",   "mia_shadow",
                                        "mia_split_seed", "mia_pool",       "mia_pool_size", "mia_pool_train",
                                        NULL };
    static const char *const tensors[] = { "spurious.pattern", "spurious.index" };
    rsc_file *f = rsc_file_new(err);
    if (!f)
        return NULL;
    if (rsc_file_stamp(f, "model", creator, err) != 0 || rsc_meta_copy(f, ds, prov, err) != 0 ||
        rsc_trainer_save(tr, f, err) != 0)
        goto fail;
    for (int i = 0; i < 2; i++) {
        const rsc_tensor *t = rsc_file_find(ds, tensors[i]);
        if (t && !rsc_file_add_copy(f, t, NULL, err))
            goto fail;
    }
    return f;
fail:
    rsc_file_free(f);
    return NULL;
}
