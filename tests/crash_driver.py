"""Runs one nlp-service command and SIGKILLs it at a chosen point (used by test_reliability).

    python tests/crash_driver.py POINT nlp-service-args...

POINT: embedding | index-write | swap | none. The kill is a real SIGKILL of
this process: no cleanup handlers run, exactly as with a power cut or the OOM killer.
"""
import os
import signal
import sys


def die(*_args, **_kwargs):
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    if point == "embedding":
        from nlp_service import embedding

        embedding.Encoder.encode_documents = die
    elif point == "index-write":
        from nlp_service.index import lexical

        # The dense file is written first; dying in the lexical build leaves a half-built folder.
        lexical.LexicalIndex.build = staticmethod(die)
    elif point == "swap":
        from nlp_service import fsutil
        from nlp_service.home import CURRENT_FILE

        real_replace = os.replace

        def replace(src, dst, *a, **k):
            if str(dst).endswith(CURRENT_FILE):
                die()
            return real_replace(src, dst, *a, **k)

        fsutil.os.replace = replace
    elif point != "none":
        raise SystemExit(f"unknown point {point}")


if __name__ == "__main__":
    arm(sys.argv[1])
    from nlp_service.cli import main

    main(sys.argv[2:], prog_name="nlp-service")
