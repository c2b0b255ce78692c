"""The store's schema: one migration per version, each upgrading version i to i + 1.

A new store runs them all; an older one runs the rest on ``nlp-service migrate``
(:meth:`nlp_service.store.Store.migrate`, each in its own transaction). No ";" inside a
statement: a migration is split at them.
"""
from __future__ import annotations

from .casestore import CASES_SCHEMA

# Each entry upgrades the schema from version i to i + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        submitted TEXT,
        answered TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        parties TEXT NOT NULL DEFAULT '[]',
        intro TEXT NOT NULL DEFAULT '',
        other TEXT NOT NULL DEFAULT '',
        path TEXT,
        content_hash TEXT NOT NULL,
        added_at REAL NOT NULL,
        UNIQUE (source, external_id)
    );
    CREATE INDEX documents_submitted ON documents (submitted);
    CREATE TABLE document_people (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('author', 'party')),
        name TEXT NOT NULL COLLATE NOCASE
    );
    CREATE INDEX document_people_name ON document_people (role, name);
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        number TEXT NOT NULL,
        text TEXT NOT NULL,
        answer TEXT
    );
    CREATE INDEX questions_document ON questions (document_id, position);
    CREATE TABLE units (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('intro', 'question', 'answer')),
        part INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX units_question ON units (question_id);
    CREATE INDEX units_document ON units (document_id);
    """,
    CASES_SCHEMA,  # 2: letter kinds, cases, answers linked across letters (computed by `nlp-service migrate`)
    # 3: the whole-letter unit kind ("letter", units.py). SQLite cannot alter a CHECK, so the table is
    # copied; its AUTOINCREMENT counter is carried over, so an id deleted before is never reused
    """
    CREATE TABLE units_3 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('intro', 'question', 'answer', 'letter')),
        part INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    INSERT INTO units_3 (id, question_id, document_id, kind, part, text)
        SELECT id, question_id, document_id, kind, part, text FROM units;
    INSERT INTO sqlite_sequence (name, seq) SELECT 'units_3', seq FROM sqlite_sequence WHERE name = 'units'
        AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'units_3');
    UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'units'))
        WHERE name = 'units_3' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'units');
    DROP TABLE units;
    ALTER TABLE units_3 RENAME TO units;
    CREATE INDEX units_question ON units (question_id);
    CREATE INDEX units_document ON units (document_id)
    """,
]
