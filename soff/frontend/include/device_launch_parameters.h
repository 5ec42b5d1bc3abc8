/* soff's device_launch_parameters.h: threadIdx, blockIdx, blockDim, gridDim and
 * warpSize are built into soff's CUDA front end. */
