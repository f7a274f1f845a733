/* devices.h - which compute devices this build and this machine offer.
 * The only place outside kernels/cuda/ that knows whether CUDA was built. */
#ifndef RSC_DEVICES_H
#define RSC_DEVICES_H

/* 1 when the CUDA backend was compiled in. */
int rsc_cuda_built(void);
/* Number of usable CUDA devices (0 without CUDA, without a driver, or
 * without a GPU).  Never fails. */
int rsc_cuda_device_count(void);
/* One line naming the device (e.g. "NVIDIA H200, cc 9.0, 139 GiB"), or
 * "none". */
const char *rsc_cuda_device_name(int index);

#endif
