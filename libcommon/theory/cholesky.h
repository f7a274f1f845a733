/* cholesky.h - solving small symmetric positive definite systems (the
 * normal equations of ridge regression) without BLAS or LAPACK. */
#ifndef RSC_CHOLESKY_H
#define RSC_CHOLESKY_H

#include "base/error.h"

/* Solve A x = b for a symmetric positive definite n x n matrix A
 * (row-major; only the lower triangle is read).  A is overwritten by its
 * Cholesky factor L (lower triangle), b by x.  Fails, naming the pivot,
 * when A is not numerically positive definite (a pivot <= n * eps times the
 * largest diagonal entry). */
int rsc_cholesky_solve(double *A, double *b, int n, rsc_error *err);

#endif
