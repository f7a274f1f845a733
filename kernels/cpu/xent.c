/* xent.c - softmax cross-entropy, softmax and the cross-entropy's
 * Hessian-vector product (backend.h: xent, softmax, xent_hvp),
 * row by row on the calling thread (a batch's logits are small), in
 * double. */
#include "config.h"

#include "kernels/cpu/impl.h"

#include <math.h>
#include <string.h>

static void cpu_xent(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels, int rows,
                     int cols, rsc_buf *dlogits, float grad_scale, rsc_buf *stats)
{
    (void)be;
    const int32_t *y = (const int32_t *)labels->data;
    double st[2];
    memcpy(st, stats->data, sizeof st);
    for (int r = 0; r < rows; r++) {
        const float *z = CF(logits) + (size_t)r * cols;
        float mx = z[0];
        int arg = 0;
        for (int c = 1; c < cols; c++)
            if (z[c] > mx) {
                mx = z[c];
                arg = c;
            }
        double s = 0;
        for (int c = 0; c < cols; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        st[0] += lse - z[y[r]];
        st[1] += arg == y[r];
        if (dlogits) {
            float *d = F(dlogits) + (size_t)r * cols;
            for (int c = 0; c < cols; c++) {
                float p = (float)exp((double)z[c] - lse);
                d[c] = (p - (c == y[r] ? 1.0f : 0.0f)) * grad_scale;
            }
        }
    }
    memcpy(stats->data, st, sizeof st);
}

static void cpu_softmax(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols)
{
    (void)be;
    for (int r = 0; r < rows; r++) {
        const float *z = CF(x) + (size_t)r * cols;
        float *p = F(y) + (size_t)r * cols;
        float mx = z[0];
        for (int c = 1; c < cols; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0;
        for (int c = 0; c < cols; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        for (int c = 0; c < cols; c++)
            p[c] = (float)exp((double)z[c] - lse);
    }
}

static void cpu_xent_hvp(rsc_backend *be, const rsc_buf *logits, const rsc_buf *u, int rows,
                         int cols, rsc_buf *out, float scale)
{
    (void)be;
    for (int r = 0; r < rows; r++) {
        const float *z = CF(logits) + (size_t)r * cols;
        const float *ur = CF(u) + (size_t)r * cols;
        float *o = F(out) + (size_t)r * cols;
        float mx = z[0];
        for (int c = 1; c < cols; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0;
        for (int c = 0; c < cols; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        double dot = 0;
        for (int c = 0; c < cols; c++)
            dot += (double)(float)exp((double)z[c] - lse) * ur[c];
        for (int c = 0; c < cols; c++) {
            double p = (float)exp((double)z[c] - lse);
            o[c] = (float)((double)scale * (p * ((double)ur[c] - dot)));
        }
    }
}

static void cpu_xent_batched(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels,
                             int rows, int cols, rsc_buf *dlogits, float grad_scale,
                             rsc_buf *stats, int count)
{
    size_t per = (size_t)rows * (size_t)cols * sizeof(float);
    for (int i = 0; i < count; i++) {
        rsc_buf li, yi, di, si;
        cpu_xent(be, rsc_cpu_at(&li, logits, i * per),
                 rsc_cpu_at(&yi, labels, (size_t)i * (size_t)rows * sizeof(int32_t)), rows, cols,
                 rsc_cpu_at(&di, dlogits, i * per), grad_scale,
                 rsc_cpu_at(&si, stats, (size_t)i * 2 * sizeof(double)));
    }
}

void rsc_cpu_install_xent(rsc_backend *be)
{
    be->xent_hvp = cpu_xent_hvp;
    be->xent = cpu_xent;
    be->xent_batched = cpu_xent_batched;
    be->softmax = cpu_softmax;
}
