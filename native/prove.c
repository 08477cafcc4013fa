/* votecrypt's constant-time prover helper (spec 18.1, A.45, A.46).
 *
 * Computes, for many ballot rows in one call, the points a row's encryption and its
 * set-membership proof (spec 4.2, 5.3) need, multiplying only the two fixed bases G and K:
 *
 *     alpha_l = r_l*G                beta_l = m_l*G + r_l*K
 *     t = z_{j,l} - c_j*r_l          u = c_j*(v_{j,l} - m_l)
 *     a_{j,l} = t*G                  b_{j,l} = u*G + t*K
 *
 * which are z*G - c*alpha and z*K - c*(beta - v*G), the commitments of 5.3. The caller gives
 * the true branch c = 0 and z = w (its commitment nonce), so that every branch is computed by
 * the same code: a = w*G, b = 0*G + w*K.
 *
 * Secret inputs: m (the choice), r (the encryption nonces), and through c = 0 and z = w the
 * index of the true branch and its nonce. Everything computed from them goes through constant-
 * time code only: the library's scalar arithmetic; its comb secp256k1_ecmult_gen for products
 * by G, blinded by a fresh seed each call; the same comb, line for line, over a table of K that
 * the library's own secp256k1_ecmult_gen_compute_table makes, for products by K (blinded too);
 * secp256k1_gej_add_ge (complete and constant time, an identity operand included: u*G is the
 * identity for the true branch); and a constant-time field inversion per batch of results.
 * Every row, lane and branch runs the same instructions in the same order whatever the values,
 * with no secret-dependent branch or memory index. Only public data meets variable-time code:
 * the key and its table are checked, the affine results are encoded, and whether a result is
 * the identity (a zero multiplier, probability 2^-256 with random inputs) is looked at after
 * all the work. Never secp256k1_ecmult or secp256k1_ecmult_multi_var (variable time) here.
 * Secret intermediate values are overwritten before returning.
 *
 * Compiled into the same library as msm.c by native/build.py; it includes the library's
 * internal headers, not secp256k1.c (which msm.c includes), so that nothing is defined twice.
 */
#include <stdint.h>
#include <string.h>

#define SECP256K1_BUILD
#include "include/secp256k1.h"

#include "assumptions.h"
#include "util.h"
#include "field_impl.h"
#include "scalar_impl.h"
#include "group_impl.h"
#include "ecmult_gen_impl.h"
#include "ecmult_gen_compute_table_impl.h"
#include "eckey_impl.h"
#include "int128_impl.h"

#define VOTECRYPT_EXPORT __attribute__((visibility("default")))

/* Bounds on the shape (a ballot has at most a few hundred rows of a few lanes and branches):
 * they keep every size computed below far from overflowing. */
#define VOTECRYPT_PROVE_MAX_ROWS 100000
#define VOTECRYPT_PROVE_MAX_LANES 64
#define VOTECRYPT_PROVE_MAX_BRANCHES 1024

/* Overwrites secret memory in a way the compiler may not remove as a dead store. */
static void votecrypt_clear(void *data, size_t size) {
    volatile unsigned char *p = (volatile unsigned char *)data;
    while (size--) {
        *p++ = 0;
    }
    __asm__ __volatile__("" : : "r"(data) : "memory");
}

/* Reads a 64-byte secp256k1_pubkey (a public point); 0 if it is not a point of the curve. */
static int votecrypt_prove_load(secp256k1_ge *ge, const unsigned char *data) {
    secp256k1_fe x, y;
    if (sizeof(secp256k1_ge_storage) == 64) {
        secp256k1_ge_storage s;
        memcpy(&s, data, sizeof(s));
        secp256k1_ge_from_storage(ge, &s);
    } else {
        if (!secp256k1_fe_set_b32(&x, data) || !secp256k1_fe_set_b32(&y, data + 32)) {
            return 0;
        }
        secp256k1_ge_set_xy(ge, &x, &y);
    }
    return !secp256k1_fe_is_zero(&ge->x) && secp256k1_ge_is_valid_var(ge);
}

/* Results wait here to be made affine together: one field inversion for up to
 * VOTECRYPT_BATCH points (Montgomery's trick), in constant time, as the Jacobian coordinates
 * depend on secrets even where the point does not. */
#define VOTECRYPT_BATCH 32

typedef struct {
    secp256k1_gej points[VOTECRYPT_BATCH];
    size_t out[VOTECRYPT_BATCH]; /* each one's place among the outputs */
    size_t count;
    int identity; /* a result was the identity (public: the results are published) */
    unsigned char *const *storage;
    unsigned char *encoded;
} votecrypt_results;

static void votecrypt_flush(votecrypt_results *results) {
    secp256k1_fe prefix[VOTECRYPT_BATCH], inverse, zi;
    secp256k1_ge ge;
    size_t i, n = results->count, size;
    unsigned char *storage, *encoded;
    if (n == 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        results->identity |= results->points[i].infinity;
    }
    prefix[0] = results->points[0].z;
    for (i = 1; i < n; i++) {
        secp256k1_fe_mul(&prefix[i], &prefix[i - 1], &results->points[i].z);
    }
    secp256k1_fe_inv(&inverse, &prefix[n - 1]); /* constant time; 0 if an identity is here */
    for (i = n; i-- > 0;) {
        if (i > 0) {
            secp256k1_fe_mul(&zi, &inverse, &prefix[i - 1]);
            secp256k1_fe_mul(&inverse, &inverse, &results->points[i].z);
        } else {
            zi = inverse;
        }
        secp256k1_ge_set_gej_zinv(&ge, &results->points[i], &zi);
        /* the affine point is published: its encodings may take variable time */
        storage = results->storage[results->out[i]];
        encoded = results->encoded + 33 * results->out[i];
        if (sizeof(secp256k1_ge_storage) == 64) {
            secp256k1_ge_storage s;
            secp256k1_ge_to_storage(&s, &ge);
            memcpy(storage, &s, sizeof(s));
        } else {
            secp256k1_fe_normalize_var(&ge.x);
            secp256k1_fe_normalize_var(&ge.y);
            secp256k1_fe_get_b32(storage, &ge.x);
            secp256k1_fe_get_b32(storage + 32, &ge.y);
        }
        size = 33;
        ge.infinity = 0; /* (an identity was noted above; its bytes are not used) */
        secp256k1_eckey_pubkey_serialize(&ge, encoded, &size, 1);
    }
    votecrypt_clear(results->points, sizeof(results->points));
    votecrypt_clear(prefix, sizeof(prefix));
    votecrypt_clear(&inverse, sizeof(inverse));
    votecrypt_clear(&zi, sizeof(zi));
    results->count = 0;
}

/* Result number `out`, written when its batch is full (or at the end). */
static void votecrypt_result(votecrypt_results *results, const secp256k1_gej *point,
                             size_t out) {
    results->points[results->count] = *point;
    results->out[results->count] = out;
    if (++results->count == VOTECRYPT_BATCH) {
        votecrypt_flush(results);
    }
}

/* Products by K, in constant time: libsecp256k1's secp256k1_ecmult_gen (its comb method,
 * src/ecmult_gen_impl.h of 0.2.0) line for line, with its table of multiples of G replaced by a
 * table of multiples of K that the library's own secp256k1_ecmult_gen_compute_table makes, and
 * with the same blinding (k*K computed as (k + blind)*K + initial, initial = -blind*K). */
typedef struct {
    const secp256k1_ge_storage *table; /* ECMULT_GEN_PREC_N x ECMULT_GEN_PREC_G entries */
    secp256k1_scalar blind;
    secp256k1_ge initial;
} votecrypt_comb;

#define VOTECRYPT_COMB_N ECMULT_GEN_PREC_N(ECMULT_GEN_PREC_BITS)
#define VOTECRYPT_COMB_G ECMULT_GEN_PREC_G(ECMULT_GEN_PREC_BITS)

/* r = start + k*K, start possibly the identity (secp256k1_gej_add_ge handles that, and a
 * sum that is the identity, in constant time). The loop is secp256k1_ecmult_gen's. */
static void votecrypt_comb_multiply(const votecrypt_comb *comb, secp256k1_gej *r,
                                    const secp256k1_scalar *k, const secp256k1_gej *start) {
    int bits = ECMULT_GEN_PREC_BITS;
    int g = VOTECRYPT_COMB_G;
    int n = VOTECRYPT_COMB_N;
    secp256k1_ge add;
    secp256k1_ge_storage adds;
    secp256k1_scalar kb;
    int i, j, n_i;

    memset(&adds, 0, sizeof(adds));
    *r = *start;
    secp256k1_gej_add_ge(r, r, &comb->initial);
    secp256k1_scalar_add(&kb, k, &comb->blind);
    add.infinity = 0;
    for (i = 0; i < n; i++) {
        n_i = secp256k1_scalar_get_bits(&kb, i * bits, bits);
        for (j = 0; j < g; j++) {
            /* every entry is read, the one wanted kept: no secret index (as in the library) */
            secp256k1_ge_storage_cmov(&adds, &comb->table[i * g + j], j == n_i);
        }
        secp256k1_ge_from_storage(&add, &adds);
        secp256k1_gej_add_ge(r, r, &add);
    }
    n_i = 0;
    votecrypt_clear(&add, sizeof(add));
    votecrypt_clear(&adds, sizeof(adds));
    votecrypt_clear(&kb, sizeof(kb));
}

/* The blinding of the products by K, from 32 random bytes b: blind = -b, initial = b*K,
 * computed as K + (b - 1)*K by the comb with no blinding yet and K as its initial point. */
static void votecrypt_comb_blind(votecrypt_comb *comb, const secp256k1_ge *key,
                                 const unsigned char *seed32) {
    secp256k1_scalar b, b_minus_one;
    secp256k1_gej start, product;
    secp256k1_scalar_set_b32(&b, seed32, NULL);
    secp256k1_scalar_cmov(&b, &secp256k1_scalar_one, secp256k1_scalar_is_zero(&b));
    secp256k1_scalar_set_int(&comb->blind, 0);
    comb->initial = *key;
    secp256k1_scalar_negate(&b_minus_one, &secp256k1_scalar_one);
    secp256k1_scalar_add(&b_minus_one, &b_minus_one, &b);
    secp256k1_gej_set_infinity(&start);
    votecrypt_comb_multiply(comb, &product, &b_minus_one, &start);
    secp256k1_ge_set_gej(&comb->initial, &product);
    secp256k1_scalar_negate(&comb->blind, &b);
    votecrypt_clear(&b, sizeof(b));
    votecrypt_clear(&b_minus_one, sizeof(b_minus_one));
    votecrypt_clear(&product, sizeof(product));
}

/* The size in bytes of a table of K (public: multiples of K and of a fixed point). */
VOTECRYPT_EXPORT size_t votecrypt_prove_table_size(void) {
    return sizeof(secp256k1_ge_storage) * VOTECRYPT_COMB_N * VOTECRYPT_COMB_G;
}

/* Writes the comb table of K (a 64-byte secp256k1_pubkey) into `table`, of
 * votecrypt_prove_table_size() bytes: 1, or -1 if K is not a point of the curve or if an
 * entry of its table is not a point of the curve. An entry (j, i) is 2^j*(P + K) + i*16^j*K
 * for a fixed point P, and a key K = c*P with c = -2^j/(2^j + i*16^j) makes it the identity,
 * which the table stores as zeros and the comb would add as if it were a point: such a key
 * (whose discrete logarithm nobody knows, so it cannot come from a ceremony) is refused here,
 * once per key, and the caller computes on its general path. Variable time: K is public. */
VOTECRYPT_EXPORT int votecrypt_prove_table(const unsigned char *key, unsigned char *table) {
    secp256k1_ge k_ge, entry;
    secp256k1_ge_storage *entries = (secp256k1_ge_storage *)table;
    size_t i;
    if (!votecrypt_prove_load(&k_ge, key)) {
        return -1;
    }
    secp256k1_ecmult_gen_compute_table(entries, &k_ge, ECMULT_GEN_PREC_BITS);
    for (i = 0; i < (size_t)VOTECRYPT_COMB_N * VOTECRYPT_COMB_G; i++) {
        secp256k1_ge_from_storage(&entry, &entries[i]);
        if (!secp256k1_ge_is_valid_var(&entry)) {
            return -1;
        }
    }
    return 1;
}

/* Whether `table` is K's (its entries (0, 0) and (0, 1) differ by K): a table given for
 * another key is refused. Public data, variable time. */
static int votecrypt_table_is_for(const secp256k1_ge_storage *table, const secp256k1_ge *key) {
    secp256k1_ge first, second;
    secp256k1_gej difference;
    secp256k1_ge_from_storage(&first, &table[0]);
    secp256k1_ge_from_storage(&second, &table[1]);
    if (!secp256k1_ge_is_valid_var(&first) || !secp256k1_ge_is_valid_var(&second)) {
        return 0;
    }
    secp256k1_ge_neg(&first, &first);
    secp256k1_gej_set_ge(&difference, &second);
    secp256k1_gej_add_ge_var(&difference, &difference, &first, NULL); /* second - first */
    secp256k1_ge_neg(&first, key);
    secp256k1_gej_add_ge_var(&difference, &difference, &first, NULL); /* ... - K */
    return secp256k1_gej_is_infinity(&difference);
}

/* For `rows` rows of `lanes` lanes and `branches` allowed vectors:
 *   key:      K, a 64-byte secp256k1_pubkey (public); table: its table (votecrypt_prove_table);
 *   values:   v_{j,l}, branches*lanes scalars (public);
 *   secrets:  per row, m_l (lanes), r_l (lanes), c_j (branches), z_{j,l} (branches*lanes),
 *             with c = 0 and z = w at the true branch;
 *   seed:     64 random bytes for the blinding of the products by G and by K (the blinding
 *             never changes a result);
 *   storage:  per row, 2*lanes*(1 + branches) pointers to 64-byte secp256k1_pubkey outputs,
 *             in the order alpha_0, beta_0, alpha_1, ..., then a_{0,0}, b_{0,0}, a_{0,1}, ...;
 *   encoded:  the same points, 33 bytes each (SEC1 compressed), in the same order.
 * Scalars are 32 bytes, big-endian. Returns 1 (every output written); 0 when a result is the
 * identity (a multiplier r, w or z - c*r is zero), a case the caller computes on its general
 * path; -1 when an input is refused (K not a point of the curve, a table not K's, a scalar
 * not below the order, a shape out of bounds). Outputs are unspecified unless 1 is returned. */
VOTECRYPT_EXPORT int votecrypt_prove(const unsigned char *key, const unsigned char *table,
                                     size_t rows, size_t lanes, size_t branches,
                                     const unsigned char *values, const unsigned char *secrets,
                                     const unsigned char *seed, unsigned char *const *storage,
                                     unsigned char *encoded) {
    secp256k1_ecmult_gen_context gen;
    votecrypt_comb comb;
    secp256k1_ge k_ge;
    secp256k1_scalar m[VOTECRYPT_PROVE_MAX_LANES], r[VOTECRYPT_PROVE_MAX_LANES];
    secp256k1_scalar v, c, z, t, u, minus_m, minus_c;
    secp256k1_gej point, extra;
    votecrypt_results results;
    size_t row, l, j, per_row, out;
    int overflow, bad = 0;

    if (rows > VOTECRYPT_PROVE_MAX_ROWS || lanes < 1 || lanes > VOTECRYPT_PROVE_MAX_LANES ||
        branches < 1 || branches > VOTECRYPT_PROVE_MAX_BRANCHES) {
        return -1;
    }
    comb.table = (const secp256k1_ge_storage *)table;
    if (!votecrypt_prove_load(&k_ge, key) || !votecrypt_table_is_for(comb.table, &k_ge)) {
        return -1;
    }
    /* Every scalar is checked below the order before any work (this tells whether the
     * caller passed a malformed input, not what the values are). */
    for (l = 0; l < branches * lanes; l++) {
        secp256k1_scalar_set_b32(&u, values + 32 * l, &overflow);
        bad |= overflow;
    }
    per_row = 2 * lanes + branches + branches * lanes;
    for (l = 0; l < rows * per_row; l++) {
        secp256k1_scalar_set_b32(&u, secrets + 32 * l, &overflow);
        bad |= overflow;
    }
    votecrypt_clear(&u, sizeof(u));
    if (bad) {
        return -1;
    }

    secp256k1_ecmult_gen_context_build(&gen);
    secp256k1_ecmult_gen_blind(&gen, seed);
    votecrypt_comb_blind(&comb, &k_ge, seed + 32);
    results.count = 0;
    results.identity = 0;
    results.storage = storage;
    results.encoded = encoded;
    out = 0;
    for (row = 0; row < rows; row++) {
        const unsigned char *s = secrets + 32 * per_row * row;
        for (l = 0; l < lanes; l++) {
            secp256k1_scalar_set_b32(&m[l], s + 32 * l, NULL);
            secp256k1_scalar_set_b32(&r[l], s + 32 * (lanes + l), NULL);
            /* alpha = r*G */
            secp256k1_ecmult_gen(&gen, &point, &r[l]);
            votecrypt_result(&results, &point, out);
            out++;
            /* beta = m*G + r*K */
            secp256k1_ecmult_gen(&gen, &extra, &m[l]);
            votecrypt_comb_multiply(&comb, &point, &r[l], &extra);
            votecrypt_result(&results, &point, out);
            out++;
        }
        for (j = 0; j < branches; j++) {
            secp256k1_scalar_set_b32(&c, s + 32 * (2 * lanes + j), NULL);
            secp256k1_scalar_negate(&minus_c, &c);
            for (l = 0; l < lanes; l++) {
                secp256k1_scalar_set_b32(&z, s + 32 * (2 * lanes + branches + j * lanes + l),
                                         NULL);
                secp256k1_scalar_set_b32(&v, values + 32 * (j * lanes + l), NULL);
                /* t = z - c*r */
                secp256k1_scalar_mul(&t, &minus_c, &r[l]);
                secp256k1_scalar_add(&t, &t, &z);
                /* u = c*(v - m) */
                secp256k1_scalar_negate(&minus_m, &m[l]);
                secp256k1_scalar_add(&u, &v, &minus_m);
                secp256k1_scalar_mul(&u, &u, &c);
                /* a = t*G */
                secp256k1_ecmult_gen(&gen, &point, &t);
                votecrypt_result(&results, &point, out);
                out++;
                /* b = u*G + t*K */
                secp256k1_ecmult_gen(&gen, &extra, &u);
                votecrypt_comb_multiply(&comb, &point, &t, &extra);
                votecrypt_result(&results, &point, out);
                out++;
            }
        }
    }
    votecrypt_flush(&results);

    votecrypt_clear(m, sizeof(m));
    votecrypt_clear(r, sizeof(r));
    votecrypt_clear(&c, sizeof(c));
    votecrypt_clear(&minus_c, sizeof(minus_c));
    votecrypt_clear(&z, sizeof(z));
    votecrypt_clear(&t, sizeof(t));
    votecrypt_clear(&u, sizeof(u));
    votecrypt_clear(&minus_m, sizeof(minus_m));
    votecrypt_clear(&point, sizeof(point));
    votecrypt_clear(&extra, sizeof(extra));
    votecrypt_clear(&gen, sizeof(gen));
    votecrypt_clear(&comb, sizeof(comb));
    /* Whether a published result is the identity: public, looked at after all the work. */
    return results.identity ? 0 : 1;
}
