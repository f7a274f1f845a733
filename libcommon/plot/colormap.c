/* colormap.c - viridis lookup; the table is generated (colormap_viridis.h). */
#include "config.h"

#include "plot/colormap.h"

#include <math.h>
#include <string.h>

#include "plot/colormap_viridis.h"

const unsigned char *rsc_viridis_entry(int i)
{
    if (i < 0)
        i = 0;
    if (i >= RSC_COLORMAP_N)
        i = RSC_COLORMAP_N - 1;
    return viridis_table[i];
}

int rsc_viridis_index(double t)
{
    if (!(t > 0))
        return 0;
    if (t >= 1)
        return RSC_COLORMAP_N - 1;
    int i = (int)floor(t * RSC_COLORMAP_N);
    return i < RSC_COLORMAP_N ? i : RSC_COLORMAP_N - 1;
}

void rsc_viridis(double t, unsigned char rgb[3])
{
    memcpy(rgb, rsc_viridis_entry(rsc_viridis_index(t)), 3);
}
