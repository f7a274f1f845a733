/* layers.h - the layer kinds of the MLPs: linear (fully connected, with a
 * fused ReLU when one follows), ReLU, flatten and dropout.  Each adds one
 * layer to a network under construction (net.h); parameter names follow
 * PyTorch ("<name>.weight" [out, in], "<name>.bias" [out]). */
#ifndef RSC_LAYERS_H
#define RSC_LAYERS_H

#include "nn/net.h"

int rsc_net_add_linear(rsc_net *net, const char *name, int out_features, rsc_error *err);
int rsc_net_add_relu(rsc_net *net, const char *name, rsc_error *err);
int rsc_net_add_flatten(rsc_net *net, const char *name, rsc_error *err);
int rsc_net_add_dropout(rsc_net *net, const char *name, double p, rsc_error *err);

#endif
