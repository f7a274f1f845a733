/* stats.h - the small statistics rsc-score reports: mean and standard
 * error over seeds, Pearson correlation with its two-sided p-value, and the
 * regularised incomplete beta function behind it. */
#ifndef RSC_STATS_H
#define RSC_STATS_H

#include <stddef.h>

#include "base/error.h"

/* Mean of v[0..n) and its standard error sqrt(s^2 / n) with the n - 1
 * sample variance s^2 (scipy.stats.sem's default).  n = 0: both NaN;
 * n = 1: se is NaN (as scipy); a NaN among the values makes both NaN.
 * Two passes, so that large offsets (accuracies near 1) lose no digits;
 * the second also corrects the mean for the rounding of the first sum. */
void rsc_mean_se(const double *v, size_t n, double *mean, double *se);

/* Regularised incomplete beta function I_x(a, b) for a, b > 0 and
 * 0 <= x <= 1, by the continued fraction of Numerical Recipes (6.4) in the
 * modified Lentz form, using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where
 * the fraction converges slowly.  Relative accuracy about 1e-14.  Returns
 * NaN for arguments outside the domain or if the fraction fails to
 * converge in 1000 steps. */
double rsc_betainc(double a, double b, double x);

/* Pearson correlation r of x and y (n pairs) and its two-sided p-value
 * under the null of no correlation: Student's t with n - 2 degrees of
 * freedom, p = I_{1-r^2}((n-2)/2, 1/2), as scipy.stats.pearsonr.  n = 2
 * gives r = +-1 and p = 1 (as scipy).  Returns -1 with a message when
 * n < 2 or when x or y is constant (r undefined). */
int rsc_pearson(const double *x, const double *y, size_t n, double *r, double *p, rsc_error *err);

#endif
