/* arch_conv.h - the convolutional architectures (cnn, resnet20, resnet32,
 * resnet110, vgg16); arch.c dispatches to them by name.
 *
 * Initialisation (the reference code), drawn from rsc_rng_derive(seed,
 * RSC_RNG_INIT) in declaration order: normals by NumPy's legacy
 * standard_normal times the standard deviation, uniforms as in arch.h.
 *   cnn:    convolution weights N(0, 2/fan_in) (kaiming_normal_), biases 0;
 *           classifier.fc1/fc2 PyTorch's default Linear; classifier.fc3 0.
 *   resnet: convolution and linear weights N(0, 2/fan_in); linear bias
 *           U(-1/sqrt(64), 1/sqrt(64)); batch norm weight 1, bias 0.
 *   vgg16:  convolution weights N(0, 2/fan_out) (fan_out = out * 3 * 3),
 *           linear weights N(0, 0.01^2), biases 0.
 * Batch norm running statistics start at mean 0, variance 1.  The ResNets
 * and VGG16 normalise 3-channel inputs by the CIFAR-10 mean (0.4914,
 * 0.4822, 0.4465) and std (0.2023, 0.1994, 0.2010) as their first layer. */
#ifndef RSC_ARCH_CONV_H
#define RSC_ARCH_CONV_H

#include <stdint.h>

#include "nn/net.h"

int rsc_arch_conv_known(const char *name);
const char *rsc_arch_conv_summary(const char *name);
/* Add the layers (no finalize: the parameter count is then known without
 * allocating anything). */
int rsc_arch_conv_add(rsc_net *net, const char *name, int classes, rsc_error *err);
/* Add the layers and finalise. */
int rsc_arch_conv_build(rsc_net *net, const char *name, int classes, rsc_error *err);
/* The input the architecture was designed for (Table 2 counts): 3x32x32
 * for the ResNets and VGG16, 1x28x28 for the CNN.  Returns 0, or -1 when
 * name is not a convolutional architecture (shape untouched). */
int rsc_arch_conv_default_input(const char *name, rsc_shape *shape);
int rsc_arch_conv_init(rsc_net *net, const char *name, uint64_t train_seed, rsc_error *err);

#endif
