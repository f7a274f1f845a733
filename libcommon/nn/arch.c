/* arch.c - architectures by name: the paper's MLPs (Table 2) and the
 * one-layer linear model, with the reference initialisation. */
#include "config.h"

#include "nn/arch.h"
#include "nn/arch_conv.h"
#include "nn/layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct arch_def {
    const char *name;
    const char *summary;
    int hidden[4];            /* hidden widths, 0-terminated */
} arch_def;

static const arch_def archs[] = {
    { "linear", "one linear layer, input -> classes (multinomial logistic regression)", { 0 } },
    { "mlp-small", "small MLP 784-256-10, ReLU (203,530 parameters on 28x28x1)", { 256, 0 } },
    { "mlp", "MLP 784-256-256-256-10, ReLU (335,114 parameters on 28x28x1)", { 256, 256, 256, 0 } },
    { "mlp-large", "large MLP 784-512-512-512-10, ReLU (932,362 parameters on 28x28x1)",
      { 512, 512, 512, 0 } },
};

#define NARCHS (sizeof archs / sizeof archs[0])

const char *const rsc_arch_names[] = { "linear", "mlp-small", "mlp", "mlp-large", "cnn",
                                        "resnet20", "resnet32", "resnet110", "vgg16", NULL };

static const arch_def *find(const char *name)
{
    for (size_t i = 0; i < NARCHS; i++)
        if (strcmp(archs[i].name, name) == 0)
            return &archs[i];
    return NULL;
}

int rsc_arch_known(const char *name)
{
    return name && (find(name) != NULL || rsc_arch_conv_known(name));
}

const char *rsc_arch_summary(const char *name)
{
    const arch_def *a = find(name);
    return a ? a->summary : rsc_arch_conv_summary(name);
}

int rsc_arch_build(rsc_net *net, const char *name, int classes, rsc_error *err)
{
    const arch_def *a = find(name);
    if (!a && rsc_arch_conv_known(name))
        return rsc_arch_conv_build(net, name, classes, err);
    if (!a)
        return rsc_fail(err, "unknown architecture '%s' (known: linear, mlp-small, mlp, mlp-large, "
                        "cnn, resnet20, resnet32, resnet110, vgg16)",
                        name);
    if (classes < 2)
        return rsc_fail(err, "architecture '%s': %d classes", name, classes);
    if (rsc_net_add_flatten(net, "flatten", err) != 0)
        return -1;
    int k = 0;
    char lname[32];
    for (; a->hidden[k]; k++) {
        snprintf(lname, sizeof lname, "fc%d", k + 1);
        if (rsc_net_add_linear(net, lname, a->hidden[k], err) != 0)
            return -1;
        snprintf(lname, sizeof lname, "relu%d", k + 1);
        if (rsc_net_add_relu(net, lname, err) != 0)
            return -1;
    }
    snprintf(lname, sizeof lname, "fc%d", k + 1);
    if (rsc_net_add_linear(net, lname, classes, err) != 0)
        return -1;
    return rsc_net_finalize(net, err);
}

int rsc_arch_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err)
{
    if (!find(name) && rsc_arch_conv_known(name))
        return rsc_arch_conv_init(net, name, train_seed, err);
    if (!find(name))
        return rsc_fail(err, "unknown architecture '%s'", name);
    float *host = rsc_malloc(net->nparam_total ? net->nparam_total : 1, sizeof *host, err);
    if (!host)
        return -1;
    rsc_rng rng;
    rsc_rng_derive(&rng, train_seed, RSC_RNG_INIT);
    for (int i = 0; i < net->nparams; i++) {
        const rsc_param *p = &net->params[i];
        double bound = 1.0 / sqrt((double)p->fan_in);
        float *v = host + p->offset;
        for (size_t j = 0; j < p->count; j++)
            v[j] = (float)(bound * (2.0 * rsc_rng_double(&rng) - 1.0));
    }
    int rc = rsc_net_set_params(net, host, err);
    free(host);
    return rc;
}
