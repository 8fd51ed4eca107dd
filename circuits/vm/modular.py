"""ADDMOD and MULMOD: (a + b) mod N and (a · b) mod N over the integers (0 when N = 0).

The sum has 257 bits and the product 512, so neither may be taken modulo 2^256 (nor modulo the
field) before the reduction.  With a' = a mod N the circuit proves

    a'·b + 0 = q·N + r          (MULMOD)          a' + b = q·N + r          (ADDMOD)
    a = q'·N + a',   a' < N,   r < N

exactly over the integers.  Reducing a first keeps q below 2^256 (q < b for MULMOD; q ≤ 2^255 + 1,
or q = b when N = 1, for ADDMOD), so both divisions fit the multiplication chiplet's *wide division*
(:mod:`circuits.vm.mul_chiplet`): Q·N + R = Σ_k D_k 2^(16k) for a dividend given as 32 digits D_k,
with R < N and Q, R range-checked bytes.  Its identities hold over the integers because every term is
below 2^30 in magnitude — so nothing wraps modulo 2^256 or modulo p.  The two divisions:

    T asks   D = a (its 16 byte pairs as digits, 0 above)   →   a' = a mod N
    V asks   D_k = P_k + (1 − mk)·A'_k                       →   r = D mod N

where P_k = S_{2k} + 2^8 S_{2k+1} are the digit sums of b · X (S_t = Σ_{i+j=t} b_i X_j, the digit sums
the multiplication chiplet forms from cur.W1 and nxt.W2 anyway) and A'_k are a''s byte pairs, with
X = a' for MULMOD (mk = 1) and X = 1 for ADDMOD (mk = 0).  So D = b·a' or b + a' as an integer (each
D_k is a sum of products of bytes, below 2^30: the digits need not be canonical, the wide division's
carries absorb that).

Eight rows per instance (:mod:`circuits.vm.linked` for H, A, B, G) and the two wide divisions (six rows
each, anywhere in the chiplet region):

    H   ch_hd            W0 = a        W1 = b        answers (a, b, X)
    A   ch_mpa, inr = 0  W0 = X        W1 = a        W2 = b
    T   ch_mq,  inr = 0  W0 = D(a)     W1 = N        W2 = b        asks (D(a), N, a')
    U   ch_mu            W0 = a'       W1 = b        W2 = N
    V   ch_mq,  inr = 1  W0 = D        W1 = N        W2 = X        asks (D, N, r)
    B   ch_mpa, inr = 1  W0 = r        W1 = N
    G   ch_fin           W0 = X        W1 = N        W2 = r        answers (X, N, r)
    K                    W0 = r

N comes up from G (B, V, U, T), a and b down from H (A, T, U); every copy is an equality of the two
words' fingerprints Σ_k β^(k+3)·limb_k between adjacent rows, gated by a row kind (an auxiliary
constraint, :func:`circuits.vm.linked.relay`: the words are committed before β is drawn), and so are
T's and V's dividends, V's multiplier X and the a' in V's digits.  a' and r are bytes (the wide division's R), b, N are
the consumed stack words, X = a' or 1 sits in V's range-checked W2.  When N = 0 (z = 1, the fin
answer's zflag2, carried to T and V) nothing is asked and the fin row forces r = 0.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm import linked as LK
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.mul_chiplet import products as products_of


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    t_next, t_here, v_here, v_next = LK.row_t(nxt), LK.row_t(cur), LK.row_v(cur), LK.row_v(nxt)
    u_here, u_next = cur.ch_mu, nxt.ch_mu
    out = [
        Constraint("T follows an A row", t_next * (1 - cur.ch_mpa), 3, False),
        Constraint("T follows A, not B", t_next * cur.ch_inr, 3, False),
        Constraint("T follows an ADDMOD or MULMOD head", t_next * LK.exp_kind(cur), 3, False),
        Constraint("T is followed by U", t_here * (1 - u_next), 3, False),
        Constraint("U follows T", u_next * (1 - t_here), 3, False),
        Constraint("U is followed by a ch_mq row", u_here * (1 - nxt.ch_mq), 2, False),
        Constraint("U is followed by V", u_here * (1 - nxt.ch_inr), 2, False),
        Constraint("V follows U", v_next * (1 - u_here), 3, False),
        Constraint("V is followed by an mpa row", v_here * (1 - nxt.ch_mpa), 3, False),
        Constraint("V is followed by B", v_here * (1 - nxt.ch_inr), 3, False),
    ]
    return out


def aux_constraints(cur: Row, nxt: Row, betas: list) -> list[Constraint]:
    """The word copies and the two computed words (T's and V's dividends, V's multiplier), through
    their fingerprints (:func:`circuits.vm.linked.relay`)."""
    c0, c1, c2, n0, n1, n2 = LK.word_fingerprints(cur, nxt, betas)
    t_next, u_here, u_next, v_here = LK.row_t(nxt), cur.ch_mu, nxt.ch_mu, LK.row_v(cur)
    mk = LK.mulmod_kind(cur)
    a_digits = LK.fingerprint(E.pairs(list(cur.w1)), betas)  # a's byte pairs as digits, nothing above 2^256
    multiplier = LK.fingerprint([mk * a + (1 - mk) for a in cur.w0[:1]] + [mk * a for a in cur.w0[1:]], betas)
    products = products_of(cur, nxt)
    dividend = LK.fingerprint([p + (1 - mk) * a for p, a in zip(products, E.pairs(list(cur.w0)))] + products[16:],
                              betas)
    return [LK.relay(t_next, n0, a_digits, "T's dividend is a", 3),
            LK.relay(t_next, n2, c2, "T holds b", 3),
            LK.relay(u_next, n1, c2, "U holds b", 2),
            LK.relay(u_next, c1, n2, "T holds N", 2),
            LK.relay(u_here, c2, n1, "U holds N", 2),
            LK.relay(v_here, c1, n1, "V holds N", 3),
            LK.relay(u_here, n2, multiplier, "V's multiplier is a' or 1", 3),
            LK.relay(u_here, n0, dividend, "V's dividend is b·a' or b + a'", 3)]
