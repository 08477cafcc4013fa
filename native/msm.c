/* votecrypt's binding of libsecp256k1's multi-scalar multiplication (spec 18.2, A.37).
 *
 * libsecp256k1 computes sum(k_i * P_i) + g*G with Strauss's or Pippenger's method
 * (secp256k1_ecmult_multi_var) but keeps that function internal. This file is compiled
 * together with the library's own source, pinned by native/build.py, and exports three
 * functions and nothing else (native/exports.map). Every input is public (verification only):
 * the computation is variable time.
 *
 * Points are passed in the format of `secp256k1_pubkey` of the libsecp256k1 that coincurve
 * ships (64 bytes, the library's point storage); votecrypt/math/native.py checks once that
 * both libraries agree on it before using this code, and every point read here is checked to
 * be on the curve, so a disagreement is refused rather than computed on.
 */
#include <stdlib.h>
#include <string.h>

#define SECP256K1_API /* the library's public functions stay hidden in this module */
#include "src/secp256k1.c"

#define VOTECRYPT_EXPORT __attribute__((visibility("default")))

#ifndef VOTECRYPT_MSM_SOURCE
#define VOTECRYPT_MSM_SOURCE "unknown"
#endif

/* The library's default error callback aborts the process; this one returns, and the call
 * that met the error fails (an allocation that fails makes votecrypt_msm return -1, and the
 * caller takes the pure path). */
static void votecrypt_no_abort(const char *text, void *data) {
    (void)text;
    (void)data;
}

static const secp256k1_callback votecrypt_error_callback = {votecrypt_no_abort, NULL};

/* At most this much scratch space: above it the library works in batches (same result). */
#define VOTECRYPT_SCRATCH_MAX ((size_t)64 << 20)

typedef struct {
    const secp256k1_ge *points;
    const secp256k1_scalar *scalars;
} votecrypt_terms;

static int votecrypt_term(secp256k1_scalar *sc, secp256k1_ge *pt, size_t idx, void *data) {
    const votecrypt_terms *terms = (const votecrypt_terms *)data;
    *sc = terms->scalars[idx];
    *pt = terms->points[idx];
    return 1;
}

/* Reads a 64-byte secp256k1_pubkey; 0 if it is not a point of the curve. */
static int votecrypt_load(secp256k1_ge *ge, const unsigned char *data) {
    secp256k1_ge_storage s;
    if (sizeof(secp256k1_ge_storage) == 64) {
        memcpy(&s, data, sizeof(s));
        secp256k1_ge_from_storage(ge, &s);
    } else {
        secp256k1_fe x, y;
        if (!secp256k1_fe_set_b32(&x, data) || !secp256k1_fe_set_b32(&y, data + 32)) {
            return 0;
        }
        secp256k1_ge_set_xy(ge, &x, &y);
    }
    return !secp256k1_fe_is_zero(&ge->x) && secp256k1_ge_is_valid_var(ge);
}

static void votecrypt_save(unsigned char *out, secp256k1_ge *ge) {
    if (sizeof(secp256k1_ge_storage) == 64) {
        secp256k1_ge_storage s;
        secp256k1_ge_to_storage(&s, ge);
        memcpy(out, &s, sizeof(s));
    } else {
        secp256k1_fe_normalize_var(&ge->x);
        secp256k1_fe_normalize_var(&ge->y);
        secp256k1_fe_get_b32(out, &ge->x);
        secp256k1_fe_get_b32(out + 32, &ge->y);
    }
}

/* out = sum(scalars[i] * points[i]) + g_scalar * G.
 * points: n pointers to 64-byte secp256k1_pubkey values; scalars: n 32-byte big-endian
 * integers below the group order; g_scalar: 32 bytes or NULL.
 * Returns 1 (out written), 0 (the sum is the identity; out untouched), -1 (a point not on
 * the curve, a scalar not below the order, or no memory). */
VOTECRYPT_EXPORT int votecrypt_msm(const unsigned char *const *points,
                                   const unsigned char *scalars, size_t n,
                                   const unsigned char *g_scalar, unsigned char *out) {
    secp256k1_ge *ge = NULL;
    secp256k1_scalar *sc = NULL;
    secp256k1_scalar g;
    secp256k1_scratch *scratch = NULL;
    secp256k1_gej r;
    secp256k1_ge result;
    votecrypt_terms terms;
    size_t i, size;
    int overflow, ok = -1;

    if (n > 0) {
        ge = (secp256k1_ge *)malloc(n * sizeof(secp256k1_ge));
        sc = (secp256k1_scalar *)malloc(n * sizeof(secp256k1_scalar));
        if (ge == NULL || sc == NULL) {
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        if (!votecrypt_load(&ge[i], points[i])) {
            goto done;
        }
        secp256k1_scalar_set_b32(&sc[i], scalars + 32 * i, &overflow);
        if (overflow) {
            goto done;
        }
    }
    if (g_scalar != NULL) {
        secp256k1_scalar_set_b32(&g, g_scalar, &overflow);
        if (overflow) {
            goto done;
        }
    }
    /* Room for one batch of every point with either method (the library splits the work
     * into batches if it is not enough, with the same result). */
    size = secp256k1_strauss_scratch_size(n);
    if (secp256k1_pippenger_scratch_size(n, secp256k1_pippenger_bucket_window(n)) > size) {
        size = secp256k1_pippenger_scratch_size(n, secp256k1_pippenger_bucket_window(n));
    }
    if (size > VOTECRYPT_SCRATCH_MAX) {
        size = VOTECRYPT_SCRATCH_MAX;
    }
    scratch = secp256k1_scratch_create(&votecrypt_error_callback, size + 64 * ALIGNMENT + 4096);
    if (scratch == NULL) {
        goto done;
    }
    terms.points = ge;
    terms.scalars = sc;
    if (!secp256k1_ecmult_multi_var(&votecrypt_error_callback, scratch, &r,
                                    g_scalar != NULL ? &g : NULL, votecrypt_term, &terms, n)) {
        goto done;
    }
    if (secp256k1_gej_is_infinity(&r)) {
        ok = 0;
        goto done;
    }
    secp256k1_ge_set_gej_var(&result, &r);
    votecrypt_save(out, &result);
    ok = 1;
done:
    if (scratch != NULL) {
        secp256k1_scratch_destroy(&votecrypt_error_callback, scratch);
    }
    free(ge);
    free(sc);
    return ok;
}

/* The generator in this library's secp256k1_pubkey format (64 bytes): the Python side
 * compares it with coincurve's before it trusts the formats to agree. */
VOTECRYPT_EXPORT void votecrypt_msm_generator(unsigned char *out) {
    secp256k1_ge g = secp256k1_ge_const_g;
    votecrypt_save(out, &g);
}

/* Which source this was built from (native/build.py pins it). */
VOTECRYPT_EXPORT const char *votecrypt_msm_source(void) {
    return VOTECRYPT_MSM_SOURCE;
}
