/* lira.c - the likelihood-ratio attack: shadow Gaussians and scores. */
#include "mia/lira.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double rsc_lira_phi(const float *logits, int k, int y)
{
    double m = -INFINITY;
    for (int c = 0; c < k; c++) {
        if (!isfinite(logits[c]))
            return NAN;
        if (c != y && logits[c] > m)
            m = logits[c];
    }
    double sum = 0;
    for (int c = 0; c < k; c++)
        if (c != y)
            sum += exp((double)logits[c] - m);
    /* log p - log(1 - p) = logit_y - logsumexp(others): the normaliser
     * cancels, so p near 1 loses nothing */
    return (double)logits[y] - (m + log(sum));
}

int rsc_lira_phis(const float *logits, const int32_t *labels, size_t n, int k, double *phi,
                  rsc_error *err)
{
    if (k < 2)
        return rsc_fail(err, "LiRA: %d classes (need at least 2)", k);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= k)
            return rsc_fail(err, "example %zu: label %d outside [0, %d)", i, (int)labels[i], k);
        phi[i] = rsc_lira_phi(logits + i * (size_t)k, k, labels[i]);
        if (isnan(phi[i]))
            return rsc_fail(err, "example %zu: a logit is not finite", i);
    }
    return 0;
}

void rsc_lira_fit_free(rsc_lira_fit *fit)
{
    free(fit->mu_in);
    free(fit->mu_out);
    free(fit->var_in);
    free(fit->var_out);
    free(fit->n_in);
    free(fit->n_out);
    memset(fit, 0, sizeof *fit);
}

int rsc_lira_fit_shadows(const double *phi, const uint8_t *in, int K, size_t n, int var_mode,
                         rsc_lira_fit *fit, rsc_error *err)
{
    memset(fit, 0, sizeof *fit);
    if (K < 1)
        return rsc_fail(err, "LiRA: no shadow model");
    if (n < 1)
        return rsc_fail(err, "LiRA: no example");
    if (var_mode != RSC_LIRA_VAR_AUTO && var_mode != RSC_LIRA_VAR_POOLED &&
        var_mode != RSC_LIRA_VAR_PER_EXAMPLE)
        return rsc_fail(err, "LiRA: unknown variance mode %d", var_mode);
    for (int s = 0; s < K; s++)
        for (size_t i = 0; i < n; i++) {
            size_t at = (size_t)s * n + i;
            if (!isfinite(phi[at]))
                return rsc_fail(err, "LiRA: shadow %d, example %zu: phi is %s", s, i,
                                isnan(phi[at]) ? "NaN" : "infinite");
            if (in[at] > 1)
                return rsc_fail(err, "LiRA: shadow %d, example %zu: 'in' flag %u (must be 0 or 1)",
                                s, i, (unsigned)in[at]);
        }
    fit->n = n;
    fit->K = K;
    fit->pooled = var_mode == RSC_LIRA_VAR_POOLED || (var_mode == RSC_LIRA_VAR_AUTO && K < 64);
    fit->mu_in = rsc_malloc(n, sizeof(double), err);
    fit->mu_out = fit->mu_in ? rsc_malloc(n, sizeof(double), err) : NULL;
    fit->var_in = fit->mu_out ? rsc_malloc(n, sizeof(double), err) : NULL;
    fit->var_out = fit->var_in ? rsc_malloc(n, sizeof(double), err) : NULL;
    fit->n_in = fit->var_out ? rsc_calloc(n, sizeof(int), err) : NULL;
    fit->n_out = fit->n_in ? rsc_calloc(n, sizeof(int), err) : NULL;
    if (!fit->n_out) {
        rsc_lira_fit_free(fit);
        return -1;
    }
    /* two passes per example: means, then squared deviations */
    double ss_tot[2] = {0, 0}, df_tot[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double sum[2] = {0, 0}, ss[2] = {0, 0};
        int cnt[2] = {0, 0};
        for (int s = 0; s < K; s++) {
            int side = in[(size_t)s * n + i];
            sum[side] += phi[(size_t)s * n + i];
            cnt[side]++;
        }
        double mu[2];
        for (int side = 0; side < 2; side++)
            mu[side] = cnt[side] ? sum[side] / cnt[side] : NAN;
        for (int s = 0; s < K; s++) {
            int side = in[(size_t)s * n + i];
            double dev = phi[(size_t)s * n + i] - mu[side];
            ss[side] += dev * dev;
        }
        fit->mu_out[i] = mu[0];
        fit->mu_in[i] = mu[1];
        fit->n_out[i] = cnt[0];
        fit->n_in[i] = cnt[1];
        fit->var_out[i] = cnt[0] >= 2 ? ss[0] / (cnt[0] - 1) : NAN;
        fit->var_in[i] = cnt[1] >= 2 ? ss[1] / (cnt[1] - 1) : NAN;
        for (int side = 0; side < 2; side++)
            if (cnt[side] >= 2) {
                ss_tot[side] += ss[side];
                df_tot[side] += cnt[side] - 1;
            }
    }
    fit->pooled_var_out = fit->pooled_var_in = NAN;
    if (fit->pooled) {
        fit->pooled_var_out = df_tot[0] > 0 ? ss_tot[0] / df_tot[0] : NAN;
        fit->pooled_var_in = df_tot[1] > 0 ? ss_tot[1] / df_tot[1] : NAN;
        for (size_t i = 0; i < n; i++) {
            fit->var_out[i] = fit->pooled_var_out;
            fit->var_in[i] = fit->pooled_var_in;
        }
    }
    return 0;
}

/* A pooled variance the scores need must exist and be positive. */
static int check_pooled(const rsc_lira_fit *fit, int need_in, rsc_error *err)
{
    if (!fit->pooled)
        return 0;
    const char *side[2] = {"out", "in"};
    double v[2] = {fit->pooled_var_out, fit->pooled_var_in};
    for (int s = 0; s <= need_in; s++) {
        if (isnan(v[s]))
            return rsc_fail(err, "LiRA: no example has two '%s' shadow models: the pooled '%s' "
                            "variance is undefined", side[s], side[s]);
        if (!(v[s] > 0))
            return rsc_fail(err, "LiRA: the pooled '%s' variance is zero (every '%s' shadow model "
                            "gives each example the same phi)", side[s], side[s]);
    }
    return 0;
}

/* Why example i cannot be scored (NULL if it can). */
static const char *unscorable(const rsc_lira_fit *fit, size_t i, int need_in)
{
    if (fit->n_out[i] == 0)
        return "no 'out' shadow model";
    if (need_in && fit->n_in[i] == 0)
        return "no 'in' shadow model";
    if (!fit->pooled) {
        if (fit->n_out[i] < 2 || (need_in && fit->n_in[i] < 2))
            return "fewer than two shadow models on a side for a per-example variance";
        if (!(fit->var_out[i] > 0) || (need_in && !(fit->var_in[i] > 0)))
            return "zero variance of phi over its shadow models on a side";
    }
    return NULL;
}

/* Shared driver: validates, then calls the per-example score. */
static long score_all(const rsc_lira_fit *fit, const double *phi_target, unsigned flags,
                      int online, double *score, double *z, rsc_error *err)
{
    if (check_pooled(fit, online, err) != 0)
        return -1;
    size_t bad = 0, first = 0;
    const char *why = NULL;
    for (size_t i = 0; i < fit->n; i++) {
        if (!isfinite(phi_target[i]))
            return rsc_fail(err, "LiRA: example %zu: the target model's phi is %s", i,
                            isnan(phi_target[i]) ? "NaN" : "infinite");
        const char *w = unscorable(fit, i, online);
        if (w && bad++ == 0) {
            first = i;
            why = w;
        }
    }
    if (bad && !(flags & RSC_LIRA_SKIP_UNSCORABLE))
        return rsc_fail(err, "LiRA (%s): example %zu has %s (%zu of %zu examples cannot be scored "
                        "with %d shadow models)", online ? "online" : "offline", first, why, bad,
                        fit->n, fit->K);
    for (size_t i = 0; i < fit->n; i++) {
        if (unscorable(fit, i, online)) {
            score[i] = NAN;
            if (z)
                z[i] = NAN;
            continue;
        }
        double p = phi_target[i];
        double vo = fit->var_out[i], dout = p - fit->mu_out[i];
        if (online) {
            double vi = fit->var_in[i], din = p - fit->mu_in[i];
            /* log N(p; mu_in, vi) - log N(p; mu_out, vo); log(2 pi) cancels */
            score[i] = 0.5 * (log(vo) - log(vi)) - din * din / (2 * vi) + dout * dout / (2 * vo);
        } else {
            double zi = dout / sqrt(vo);
            score[i] = 0.5 * erfc(-zi / sqrt(2.0));
            if (z)
                z[i] = zi;
        }
    }
    return (long)bad;
}

long rsc_lira_score_online(const rsc_lira_fit *fit, const double *phi_target, unsigned flags,
                           double *score, rsc_error *err)
{
    return score_all(fit, phi_target, flags, 1, score, NULL, err);
}

long rsc_lira_score_offline(const rsc_lira_fit *fit, const double *phi_target, unsigned flags,
                            double *score, double *z, rsc_error *err)
{
    return score_all(fit, phi_target, flags, 0, score, z, err);
}
