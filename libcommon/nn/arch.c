/* arch.c - the table of architectures, with the paper's MLPs (Table 2)
 * and the one-layer linear model and their reference initialisation; the
 * convolutional entries are arch_conv.c's. */
#include "config.h"

#include "nn/arch.h"
#include "nn/arch_conv.h"
#include "nn/layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/backend.h"

/* flatten, then (linear, relu) per hidden width, then linear to classes */
static int add_mlp(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err)
{
    if (rsc_net_add_flatten(net, "flatten", err) != 0)
        return -1;
    int k = 0;
    char lname[32];
    for (; a->width[k]; k++) {
        snprintf(lname, sizeof lname, "fc%d", k + 1);
        if (rsc_net_add_linear(net, lname, a->width[k], err) != 0)
            return -1;
        snprintf(lname, sizeof lname, "relu%d", k + 1);
        if (rsc_net_add_relu(net, lname, err) != 0)
            return -1;
    }
    snprintf(lname, sizeof lname, "fc%d", k + 1);
    return rsc_net_add_linear(net, lname, classes, err);
}

/* PyTorch's default Linear initialisation for every parameter. */
static int init_mlp(rsc_net *net, const rsc_arch *a, uint64_t train_seed, rsc_error *err)
{
    (void)a;
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

#define MNIST_INPUT { 1, 28, 28 }
#define CIFAR_INPUT { 3, 32, 32 }

const rsc_arch rsc_archs[] = {
    { "linear", "one linear layer, input -> classes (multinomial logistic regression)",
      MNIST_INPUT, add_mlp, init_mlp, { 0 } },
    { "mlp-small", "small MLP 784-256-10, ReLU (203,530 parameters on 28x28x1)", MNIST_INPUT,
      add_mlp, init_mlp, { 256, 0 } },
    { "mlp", "MLP 784-256-256-256-10, ReLU (335,114 parameters on 28x28x1)", MNIST_INPUT,
      add_mlp, init_mlp, { 256, 256, 256, 0 } },
    { "mlp-large", "large MLP 784-512-512-512-10, ReLU (932,362 parameters on 28x28x1)",
      MNIST_INPUT, add_mlp, init_mlp, { 512, 512, 512, 0 } },
    { "cnn",
      "CNN conv 32,32, maxpool, conv 64,64, maxpool, fc 200, dropout 0.5, fc 200, fc (312,202 "
      "parameters on 28x28x1)", MNIST_INPUT, rsc_arch_add_cnn, rsc_arch_init_conv, { 0 } },
    { "resnet20", "CIFAR ResNet-20, option-A shortcuts (269,722 parameters)", CIFAR_INPUT,
      rsc_arch_add_resnet, rsc_arch_init_conv, { 3 } },
    { "resnet32", "CIFAR ResNet-32, option-A shortcuts (464,154 parameters)", CIFAR_INPUT,
      rsc_arch_add_resnet, rsc_arch_init_conv, { 5 } },
    { "resnet110", "CIFAR ResNet-110, option-A shortcuts (1,727,962 parameters)", CIFAR_INPUT,
      rsc_arch_add_resnet, rsc_arch_init_conv, { 18 } },
    { "vgg16",
      "torchvision VGG16 without batch norm, 7x7 adaptive pooling, dropout 0.5 "
      "(134,301,514 parameters on 32x32x3)", CIFAR_INPUT, rsc_arch_add_vgg16,
      rsc_arch_init_conv, { 0 } },
    { NULL, NULL, { 0, 0, 0 }, NULL, NULL, { 0 } },
};

const rsc_arch *rsc_arch_find(const char *name)
{
    for (const rsc_arch *a = rsc_archs; name && a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

void rsc_arch_list(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const rsc_arch *a = rsc_archs; a->name; a++) {
        int k = snprintf(buf + used, size - used, "%s%s", a == rsc_archs ? "" : ", ", a->name);
        if (k < 0 || (size_t)k >= size - used) {
            if (size > 4)
                snprintf(buf + size - 4, 4, "...");
            return;
        }
        used += (size_t)k;
    }
}

const rsc_arch *rsc_arch_need(const char *name, rsc_error *err)
{
    const rsc_arch *a = rsc_arch_find(name);
    if (!a) {
        char list[256];
        rsc_arch_list(list, sizeof list);
        rsc_fail(err, "unknown architecture '%s' (%s)", name ? name : "(null)", list);
    }
    return a;
}

int rsc_arch_known(const char *name)
{
    return rsc_arch_find(name) != NULL;
}

const char *rsc_arch_summary(const char *name)
{
    const rsc_arch *a = rsc_arch_find(name);
    return a ? a->summary : NULL;
}

int rsc_arch_add(rsc_net *net, const char *name, int classes, rsc_error *err)
{
    const rsc_arch *a = rsc_arch_need(name, err);
    if (!a)
        return -1;
    if (classes < 2)
        return rsc_fail(err, "architecture '%s': %d classes", name, classes);
    if (a->add(net, a, classes, err) != 0)
        return rsc_fail_prefix(err, "architecture '%s' on %dx%dx%d input", name, net->input.c,
                               net->input.h, net->input.w);
    return 0;
}

int rsc_arch_build(rsc_net *net, const char *name, int classes, rsc_error *err)
{
    if (rsc_arch_add(net, name, classes, err) != 0)
        return -1;
    return rsc_net_finalize(net, err);
}

int rsc_arch_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err)
{
    const rsc_arch *a = rsc_arch_need(name, err);
    return a ? a->init(net, a, train_seed, err) : -1;
}

char *rsc_arch_describe(const char *name, const rsc_shape *input, int classes, rsc_error *err)
{
    const rsc_arch *a = rsc_arch_need(name, err);
    if (!a)
        return NULL;
    rsc_shape shape = input ? *input : a->input;
    rsc_backend *be = rsc_backend_open("cpu", 1, err);
    rsc_net *net = be ? rsc_net_new(be, shape, 1, err) : NULL;
    /* Unfinalised: VGG16's 134M parameters need no memory to be counted. */
    char *layers = net && rsc_arch_add(net, name, classes, err) == 0 ? rsc_net_describe(net, err)
                                                                      : NULL;
    char *text = NULL;
    if (layers) {
        size_t n = strlen(a->name) + strlen(a->summary) + strlen(layers) + 96;
        if ((text = rsc_malloc(n, 1, err)))
            snprintf(text, n, "arch %s: %s\ninput %dx%dx%d, %d classes\n%s", a->name, a->summary,
                     shape.c, shape.h, shape.w, classes, layers);
    }
    free(layers);
    rsc_net_free(net);
    rsc_backend_close(be);
    return text;
}
