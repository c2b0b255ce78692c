"""Search indexes: dense (FAISS), lexical (SQLite FTS5 BM25), their fusion, and
the on-disk generations that are swapped in atomically."""
