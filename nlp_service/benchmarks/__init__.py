"""Performance on this machine: ingest throughput, query latency, FAISS at scale, memory."""
