/* conv_layers.h - the layer kinds of the convolutional networks:
 * 2-D convolution, max pooling, adaptive average pooling, batch
 * normalisation, per-channel input normalisation, and the CIFAR ResNet's
 * basic block with the option-A shortcut.  Each adds one layer to a
 * network under construction (net.h); parameter and state names follow
 * PyTorch ("<name>.weight", "<name>.bias", "<name>.running_mean",
 * "<name>.running_var"; a basic block "<name>.conv1.weight",
 * "<name>.bn1.weight", ...). */
#ifndef RSC_CONVNET_H
#define RSC_CONVNET_H

#include "nn/net.h"

/* Conv2d(in, out_channels, k, stride, padding=pad, bias): weight
 * [out, in, k, k], bias [out] when `bias`.  The input must be at least
 * k - 2 pad pixels high and wide. */
int rsc_net_add_conv2d(rsc_net *net, const char *name, int out_channels, int k, int stride,
                       int pad, int bias, rsc_error *err);
/* MaxPool2d(k, stride) without padding (floor mode). */
int rsc_net_add_maxpool(rsc_net *net, const char *name, int k, int stride, rsc_error *err);
/* AdaptiveAvgPool2d((oh, ow)); oh = ow = 1 is global average pooling. */
int rsc_net_add_avgpool(rsc_net *net, const char *name, int oh, int ow, rsc_error *err);
/* BatchNorm2d(channels) (momentum 0.1, eps 1e-5): weight, bias; state
 * running_mean (0), running_var (1).  Training mode normalises with the
 * batch statistics and updates the running ones; eval mode uses them. */
int rsc_net_add_batchnorm(rsc_net *net, const char *name, rsc_error *err);
/* (x - mean[c]) / std[c] per channel; no parameters.  c = the input's
 * channels (mean and std have that many entries, std > 0). */
int rsc_net_add_normalize(rsc_net *net, const char *name, const float *mean, const float *std,
                          rsc_error *err);
/* The CIFAR ResNet's BasicBlock(in, planes, stride):
 *   out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
 * conv1 3x3 stride `stride`, conv2 3x3, both padding 1 without bias; the
 * shortcut is the identity when stride is 1 and planes equals the input
 * channels, else option A (stride-2 subsampling and planes/4 zero channels
 * on each side; needs planes == 2 * in and stride 2). */
int rsc_net_add_basicblock(rsc_net *net, const char *name, int planes, int stride,
                           rsc_error *err);

#endif
