/* arch_conv.c - the convolutional architectures of the paper (Table 2):
 * the CNN of the reference code (TRADES' small CNN), the CIFAR ResNets
 * (He et al., option A) and torchvision's VGG16, with the reference
 * initialisation and PyTorch's parameter names. */
#include "config.h"

#include "nn/arch_conv.h"
#include "nn/conv_layers.h"
#include "nn/layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CIFAR-10 channel statistics of the reference (doc/paper-facts.md). */
static const float cifar_mean[3] = { 0.4914f, 0.4822f, 0.4465f };
static const float cifar_std[3] = { 0.2023f, 0.1994f, 0.2010f };

enum family { CNN = 1, RESNET, VGG };

typedef struct conv_arch {
    const char *name;
    enum family family;
    int blocks;               /* ResNet: basic blocks per stage */
    const char *summary;
} conv_arch;

static const conv_arch archs[] = {
    { "cnn", CNN, 0,
      "CNN conv 32,32, maxpool, conv 64,64, maxpool, fc 200, dropout 0.5, fc 200, fc (312,202 "
      "parameters on 28x28x1)" },
    { "resnet20", RESNET, 3, "CIFAR ResNet-20, option-A shortcuts (269,722 parameters)" },
    { "resnet32", RESNET, 5, "CIFAR ResNet-32, option-A shortcuts (464,154 parameters)" },
    { "resnet110", RESNET, 18, "CIFAR ResNet-110, option-A shortcuts (1,727,962 parameters)" },
    { "vgg16", VGG, 0,
      "torchvision VGG16 without batch norm, 7x7 adaptive pooling, dropout 0.5 "
      "(134,301,514 parameters on 32x32x3)" },
};

#define NARCHS (sizeof archs / sizeof archs[0])

static const conv_arch *find(const char *name)
{
    for (size_t i = 0; name && i < NARCHS; i++)
        if (strcmp(archs[i].name, name) == 0)
            return &archs[i];
    return NULL;
}

int rsc_arch_conv_known(const char *name)
{
    return find(name) != NULL;
}

const char *rsc_arch_conv_summary(const char *name)
{
    const conv_arch *a = find(name);
    return a ? a->summary : NULL;
}

int rsc_arch_conv_default_input(const char *name, rsc_shape *shape)
{
    const conv_arch *a = find(name);
    if (!a)
        return -1;
    *shape = a->family == CNN ? (rsc_shape){ 1, 28, 28 } : (rsc_shape){ 3, 32, 32 };
    return 0;
}

static int normalize_cifar(rsc_net *net, rsc_error *err)
{
    /* The reference normalises 3-channel (CIFAR) inputs; its constants
     * mean nothing for other data, which pass unchanged. */
    if (net->input.c != 3)
        return 0;
    return rsc_net_add_normalize(net, "normalize", cifar_mean, cifar_std, err);
}

static int add_cnn(rsc_net *net, int classes, rsc_error *err)
{
    if (rsc_net_add_conv2d(net, "feature_extractor.conv1", 32, 3, 1, 0, 1, err) ||
        rsc_net_add_relu(net, "feature_extractor.relu1", err) ||
        rsc_net_add_conv2d(net, "feature_extractor.conv2", 32, 3, 1, 0, 1, err) ||
        rsc_net_add_relu(net, "feature_extractor.relu2", err) ||
        rsc_net_add_maxpool(net, "feature_extractor.maxpool1", 2, 2, err) ||
        rsc_net_add_conv2d(net, "feature_extractor.conv3", 64, 3, 1, 0, 1, err) ||
        rsc_net_add_relu(net, "feature_extractor.relu3", err) ||
        rsc_net_add_conv2d(net, "feature_extractor.conv4", 64, 3, 1, 0, 1, err) ||
        rsc_net_add_relu(net, "feature_extractor.relu4", err) ||
        rsc_net_add_maxpool(net, "feature_extractor.maxpool2", 2, 2, err) ||
        rsc_net_add_flatten(net, "flatten", err) ||
        rsc_net_add_linear(net, "classifier.fc1", 200, err) ||
        rsc_net_add_relu(net, "classifier.relu1", err) ||
        rsc_net_add_dropout(net, "classifier.drop", 0.5, err) ||
        rsc_net_add_linear(net, "classifier.fc2", 200, err) ||
        rsc_net_add_relu(net, "classifier.relu2", err) ||
        rsc_net_add_linear(net, "classifier.fc3", classes, err))
        return -1;
    return 0;
}

static int add_resnet(rsc_net *net, int blocks, int classes, rsc_error *err)
{
    if (normalize_cifar(net, err) || rsc_net_add_conv2d(net, "conv1", 16, 3, 1, 1, 0, err) ||
        rsc_net_add_batchnorm(net, "bn1", err) || rsc_net_add_relu(net, "relu", err))
        return -1;
    static const int planes[3] = { 16, 32, 64 };
    char name[32];
    for (int s = 0; s < 3; s++)
        for (int b = 0; b < blocks; b++) {
            snprintf(name, sizeof name, "layer%d.%d", s + 1, b);
            if (rsc_net_add_basicblock(net, name, planes[s], s > 0 && b == 0 ? 2 : 1, err))
                return -1;
        }
    return rsc_net_add_avgpool(net, "avgpool", 1, 1, err) ||
           rsc_net_add_flatten(net, "flatten", err) ||
           rsc_net_add_linear(net, "linear", classes, err);
}

static int add_vgg16(rsc_net *net, int classes, rsc_error *err)
{
    /* Configuration D; names are the indexes in torchvision's
     * nn.Sequential `features` (conv, relu, ..., maxpool). */
    static const int cfg[] = { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                               512, 512, 512, 0, 512, 512, 512, 0 };
    char name[32];
    int idx = 0;
    if (normalize_cifar(net, err))
        return -1;
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        snprintf(name, sizeof name, "features.%d", idx++);
        if (cfg[i] == 0) {
            if (rsc_net_add_maxpool(net, name, 2, 2, err))
                return -1;
            continue;
        }
        if (rsc_net_add_conv2d(net, name, cfg[i], 3, 1, 1, 1, err))
            return -1;
        snprintf(name, sizeof name, "features.%d", idx++);
        if (rsc_net_add_relu(net, name, err))
            return -1;
    }
    return rsc_net_add_avgpool(net, "avgpool", 7, 7, err) ||
           rsc_net_add_flatten(net, "flatten", err) ||
           rsc_net_add_linear(net, "classifier.0", 4096, err) ||
           rsc_net_add_relu(net, "classifier.1", err) ||
           rsc_net_add_dropout(net, "classifier.2", 0.5, err) ||
           rsc_net_add_linear(net, "classifier.3", 4096, err) ||
           rsc_net_add_relu(net, "classifier.4", err) ||
           rsc_net_add_dropout(net, "classifier.5", 0.5, err) ||
           rsc_net_add_linear(net, "classifier.6", classes, err);
}

int rsc_arch_conv_add(rsc_net *net, const char *name, int classes, rsc_error *err)
{
    const conv_arch *a = find(name);
    if (!a)
        return rsc_fail(err, "unknown architecture '%s'", name ? name : "(null)");
    if (classes < 2)
        return rsc_fail(err, "architecture '%s': %d classes", name, classes);
    int rc;
    switch (a->family) {
    case CNN:
        rc = add_cnn(net, classes, err);
        break;
    case RESNET:
        rc = add_resnet(net, a->blocks, classes, err);
        break;
    default:
        rc = add_vgg16(net, classes, err);
        break;
    }
    if (rc != 0)
        return rsc_fail_prefix(err, "architecture '%s' on %dx%dx%d input", name, net->input.c,
                               net->input.h, net->input.w);
    return 0;
}

int rsc_arch_conv_build(rsc_net *net, const char *name, int classes, rsc_error *err)
{
    if (rsc_arch_conv_add(net, name, classes, err) != 0)
        return -1;
    return rsc_net_finalize(net, err);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void fill_normal(rsc_rng *rng, float *v, size_t n, double std)
{
    for (size_t j = 0; j < n; j++)
        v[j] = (float)(std * rsc_rng_normal(rng));
}

static void fill_uniform(rsc_rng *rng, float *v, size_t n, double bound)
{
    for (size_t j = 0; j < n; j++)
        v[j] = (float)(bound * (2.0 * rsc_rng_double(rng) - 1.0));
}

static void fill_const(float *v, size_t n, float c)
{
    for (size_t j = 0; j < n; j++)
        v[j] = c;
}

int rsc_arch_conv_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err)
{
    const conv_arch *a = find(name);
    if (!a)
        return rsc_fail(err, "unknown architecture '%s'", name ? name : "(null)");
    float *host = rsc_malloc(net->nparam_total ? net->nparam_total : 1, sizeof *host, err);
    if (!host)
        return -1;
    rsc_rng rng;
    rsc_rng_derive(&rng, train_seed, RSC_RNG_INIT);
    for (int i = 0; i < net->nparams; i++) {
        const rsc_param *p = &net->params[i];
        float *v = host + p->offset;
        int conv = p->ndim == 4, weight = ends_with(p->name, ".weight");
        /* Batch norm (1-d weights among convolutions): weight 1, bias 0. */
        int bn = strstr(p->name, "bn") != NULL;
        if (bn) {
            fill_const(v, p->count, weight ? 1.0f : 0.0f);
            continue;
        }
        switch (a->family) {
        case CNN:
            /* kaiming_normal_ (fan_in, gain sqrt 2) convolutions with zero
             * bias; fc3 zero; fc1, fc2 PyTorch's default Linear. */
            if (conv)
                fill_normal(&rng, v, p->count, sqrt(2.0 / p->fan_in));
            else if (starts_with(p->name, "feature_extractor.") ||
                     starts_with(p->name, "classifier.fc3."))
                fill_const(v, p->count, 0.0f);
            else
                fill_uniform(&rng, v, p->count, 1.0 / sqrt((double)p->fan_in));
            break;
        case RESNET:
            /* kaiming_normal_ (fan_in) for conv and linear weights; the
             * linear bias keeps PyTorch's default. */
            if (weight)
                fill_normal(&rng, v, p->count, sqrt(2.0 / p->fan_in));
            else
                fill_uniform(&rng, v, p->count, 1.0 / sqrt((double)p->fan_in));
            break;
        default: {
            /* kaiming_normal_(mode='fan_out') convolutions, N(0, 0.01)
             * linear weights, zero biases. */
            if (conv && weight)
                fill_normal(&rng, v, p->count, sqrt(2.0 / (double)(p->dims[0] * p->dims[2] *
                                                                   p->dims[3])));
            else if (weight)
                fill_normal(&rng, v, p->count, 0.01);
            else
                fill_const(v, p->count, 0.0f);
            break;
        }
        }
    }
    int rc = rsc_net_set_params(net, host, err);
    free(host);
    if (rc != 0 || net->nstate_total == 0)
        return rc;
    /* Running statistics: mean 0, variance 1. */
    float *st = rsc_malloc(net->nstate_total, sizeof *st, err);
    if (!st)
        return -1;
    for (int i = 0; i < net->nstates; i++) {
        const rsc_param *s = &net->states[i];
        fill_const(st + s->offset, s->count, ends_with(s->name, "running_var") ? 1.0f : 0.0f);
    }
    rc = rsc_net_set_state(net, st, err);
    free(st);
    return rc;
}
