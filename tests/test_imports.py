"""Importing the service does nothing but define: no threads, no process-wide settings, no heavy
libraries (the command line's --help stays fast); those come where a process starts or on first use."""
import json
import subprocess
import sys

MODULES = ["nlp_service.cli", "nlp_service.service", "nlp_service.search", "nlp_service.web",
           "nlp_service.evaluation.report", "nlp_service.benchmarks.report", "nlp_service.nlp",
           "nlp_service.embedding", "nlp_service.model"]
PROBE = f"""
import json, os, sys, threading
before = dict(os.environ)
for name in {MODULES!r}:
    __import__(name)
print(json.dumps({{"threads": threading.active_count(), "env_changed": sorted(set(os.environ.items()) ^ set(before.items())),
                  "loaded": sorted(m for m in ("torch", "spacy", "nltk", "matplotlib.pyplot", "onnxruntime",
                                               "sentence_transformers") if m in sys.modules),
                  "torch_blocked": "torch" in sys.modules and sys.modules["torch"] is None}}))
"""


def test_importing_the_service_starts_nothing_and_sets_nothing():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    facts = json.loads(out.stdout)
    assert facts == {"threads": 1, "env_changed": [], "loaded": [], "torch_blocked": False}


def test_the_command_line_reads_its_choices_without_importing_the_search_core():
    probe = "import json, sys, nlp_service.cli; print(json.dumps([m for m in sys.modules if m.startswith('nlp_service')]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded = json.loads(out.stdout)
    assert "nlp_service.search" not in loaded and "nlp_service.retrievers" in loaded
