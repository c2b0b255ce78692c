"""Runs one nlp-service command and SIGKILLs it at a chosen point (used by test_reliability).

    python tests/crash_driver.py POINT nlp-service-args...

POINT: index-write | swap (the first, lexical generation) | embedding (its first batch, after
the lexical swap) | fill (the second batch: the first is in the cache) | fill-swap (the swap of
a generation with some vectors) | none. fill and fill-swap embed one text per batch and swap
after every batch. The kill is a real SIGKILL of this process: no cleanup handlers run, exactly
as with a power cut or the OOM killer.
"""
import os
import signal
import sys


def die(*_args, **_kwargs):
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def on_call(number: int, real):
    """``real``, except that its ``number``-th call dies."""
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == number:
            die()
        return real(*args, **kwargs)

    return wrapper


def one_text_per_batch() -> None:
    from nlp_service import progressive

    progressive.FILL_BATCH = 1
    os.environ["NLP_SERVICE_SWAP_SECONDS"] = "0"


def arm(point: str) -> None:
    from nlp_service import embedding

    if point == "embedding":
        embedding.Encoder.encode_documents = die
    elif point == "fill":
        one_text_per_batch()
        embedding.Encoder.encode_documents = on_call(2, embedding.Encoder.encode_documents)
    elif point == "index-write":
        from nlp_service.index import lexical

        # The dense file is written first; dying in the lexical build leaves a half-built folder.
        lexical.LexicalIndex.build = staticmethod(die)
    elif point in ("swap", "fill-swap"):
        from nlp_service import fsutil
        from nlp_service.home import CURRENT_FILE

        if point == "fill-swap":
            one_text_per_batch()
        real_replace, swaps = os.replace, [0]
        dying_swap = 1 if point == "swap" else 2

        def replace(src, dst, *a, **k):
            if str(dst).endswith(CURRENT_FILE):
                swaps[0] += 1
                if swaps[0] == dying_swap:
                    die()
            return real_replace(src, dst, *a, **k)

        fsutil.os.replace = replace
    elif point != "none":
        raise SystemExit(f"unknown point {point}")


if __name__ == "__main__":
    arm(sys.argv[1])
    from nlp_service.cli import main

    main(sys.argv[2:], prog_name="nlp-service")
