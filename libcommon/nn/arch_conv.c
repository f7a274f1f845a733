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

static int normalize_cifar(rsc_net *net, rsc_error *err)
{
    /* The reference normalises 3-channel (CIFAR) inputs; its constants
     * mean nothing for other data, which pass unchanged. */
    if (net->input.c != 3)
        return 0;
    return rsc_net_add_normalize(net, "normalize", cifar_mean, cifar_std, err);
}

int rsc_arch_add_cnn(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err)
{
    (void)a;
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

int rsc_arch_add_resnet(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err)
{
    int blocks = a->width[0];
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

int rsc_arch_add_vgg16(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err)
{
    (void)a;
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

static int init(rsc_net *net, enum family family, uint64_t train_seed, rsc_error *err)
{
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
        switch (family) {
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

int rsc_arch_init_conv(rsc_net *net, const rsc_arch *a, uint64_t train_seed, rsc_error *err)
{
    enum family f = a->add == rsc_arch_add_cnn ? CNN : a->add == rsc_arch_add_resnet ? RESNET : VGG;
    return init(net, f, train_seed, err);
}
