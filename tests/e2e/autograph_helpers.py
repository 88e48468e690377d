"""User code in another module, called from converted functions in test_autograph_calls.py. Line numbers here are
asserted by those tests: keep `bad_matmul`'s matmul on the line after its def."""
import tfc


def bad_matmul(x):
    return tfc.matmul(x, x)  # rank 1: an error that must name this line


def clip_loop(x, limit):
    while tfc.reduce_max(x) > limit:
        x = x * 0.5
    return x


def sign_flip(x):
    if tfc.reduce_sum(x) < 0.0:
        x = -x
    return x


def twice_flipped(x):
    return sign_flip(sign_flip(x) - 3.0)  # a helper calling a helper
