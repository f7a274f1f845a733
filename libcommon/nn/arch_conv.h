/* arch_conv.h - the convolutional architectures (cnn, resnet20, resnet32,
 * resnet110, vgg16): the layers and initialisation of their entries in
 * arch.c's table (use arch.h's calls by name).
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

#include "nn/arch.h"

/* The rsc_arch add functions of the three families (ResNets: the blocks
 * per stage in a->width[0]), and their initialisation (the family is told
 * by a->add). */
int rsc_arch_add_cnn(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err);
int rsc_arch_add_resnet(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err);
int rsc_arch_add_vgg16(rsc_net *net, const rsc_arch *a, int classes, rsc_error *err);
int rsc_arch_init_conv(rsc_net *net, const rsc_arch *a, uint64_t train_seed, rsc_error *err);

#endif
