/* cholesky.c - in-place Cholesky factorisation and solve (row-major). */
#include "theory/cholesky.h"

#include <float.h>
#include <math.h>

int rsc_cholesky_solve(double *A, double *b, int n, rsc_error *err)
{
    if (n <= 0)
        return rsc_fail(err, "Cholesky solve: empty system");
    double dmax = 0;
    for (int i = 0; i < n; i++)
        if (fabs(A[(size_t)i * n + i]) > dmax)
            dmax = fabs(A[(size_t)i * n + i]);
    /* A pivot this small relative to the matrix is rounding noise: the
     * matrix is singular (a direction without data and without ridge). */
    double tiny = (double)n * DBL_EPSILON * dmax;
    for (int j = 0; j < n; j++) {
        double *rj = A + (size_t)j * n;
        double d = rj[j];
        for (int k = 0; k < j; k++)
            d -= rj[k] * rj[k];
        if (!(d > tiny))
            return rsc_fail(err, "matrix is not positive definite (pivot %d of %d is %g)", j + 1, n, d);
        double l = sqrt(d);
        rj[j] = l;
        for (int i = j + 1; i < n; i++) {
            double *ri = A + (size_t)i * n;
            double s = ri[j];
            for (int k = 0; k < j; k++)
                s -= ri[k] * rj[k];
            ri[j] = s / l;
        }
    }
    for (int i = 0; i < n; i++) {          /* L y = b */
        const double *ri = A + (size_t)i * n;
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= ri[k] * b[k];
        b[i] = s / ri[i];
    }
    for (int i = n - 1; i >= 0; i--) {     /* L^T x = y */
        double s = b[i];
        for (int k = i + 1; k < n; k++)
            s -= A[(size_t)k * n + i] * b[k];
        b[i] = s / A[(size_t)i * n + i];
    }
    return 0;
}
