/* stats.c - mean and standard error, Pearson correlation, incomplete beta. */
#include "score/stats.h"

#include <float.h>
#include <math.h>

void rsc_mean_se(const double *v, size_t n, double *mean, double *se)
{
    if (n == 0) {
        *mean = *se = NAN;
        return;
    }
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double m = s / (double)n;
    /* Corrected two-pass variance (Chan, Golub, LeVeque): the second sum
     * removes the rounding error left in the mean. */
    double ss = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - m;
        ss += d * d;
        c += d;
    }
    /* c / n corrects the mean for the rounding of the first sum: the mean
     * of 0.6, 0.7 and 0.8 is 0.7, not 0.6999999999999998. */
    *mean = m + c / (double)n;
    if (n < 2) {
        *se = NAN;
        return;
    }
    double var = (ss - c * c / (double)n) / (double)(n - 1);
    *se = sqrt((var < 0 ? 0 : var) / (double)n);   /* a NaN stays NaN */
}

/* Continued fraction for I_x(a, b) (Numerical Recipes betacf), modified
 * Lentz.  Converges quickly for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 1000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps)
            return h;
    }
    return NAN;
}

double rsc_betainc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1) || isinf(a) || isinf(b))
        return NAN;
    if (x == 0)
        return 0;
    if (x == 1)
        return 1;
    /* log of x^a (1-x)^b / B(a, b) */
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2))
        return exp(lfront) * betacf(a, b, x) / a;
    return 1 - exp(lfront) * betacf(b, a, 1 - x) / b;
}

int rsc_pearson(const double *x, const double *y, size_t n, double *r, double *p, rsc_error *err)
{
    if (n < 2)
        return rsc_fail(err, "Pearson correlation needs at least 2 pairs, got %zu", n);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0) || !(syy > 0))
        return rsc_fail(err, "Pearson correlation undefined: %s is constant",
                        !(sxx > 0) ? "the first variable" : "the second variable");
    double rr = sxy / (sqrt(sxx) * sqrt(syy));
    if (rr > 1)
        rr = 1;
    if (rr < -1)
        rr = -1;
    *r = rr;
    if (n == 2) {
        *r = rr < 0 ? -1 : 1;
        *p = 1;
        return 0;
    }
    double df = (double)n - 2;
    double one_minus_r2 = (1 - rr) * (1 + rr);
    *p = one_minus_r2 <= 0 ? 0 : rsc_betainc(df / 2, 0.5, one_minus_r2);
    return 0;
}
