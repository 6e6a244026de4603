"""The library's schema migrations, written once for both SQL dialects.

Each dialect fills the column types in (SQLite's text is what older skillevo versions wrote, so a
new file's schema reads as before); a migration is a list of statements run in one transaction
together with its ``schema_version`` row. Never edit a released migration: append one.
"""

from __future__ import annotations

from ._learning_sql import LIBRARY_EPOCH_ROW, migration

__all__ = ["WRITE_KEYS_SCHEMA", "migrations"]

#: The schema version that adds ``write_keys`` (a library opened read-only may be older).
WRITE_KEYS_SCHEMA = 6

_TYPES = {
    "sqlite": {
        "text": "TEXT", "real": "REAL", "integer": "INTEGER", "json": "TEXT", "json_default": "'{}'",
        "event_id": "INTEGER PRIMARY KEY AUTOINCREMENT",
    },
    "postgres": {
        "text": "text", "real": "double precision", "integer": "integer", "json": "jsonb",
        "json_default": "'{}'::jsonb", "event_id": "bigserial PRIMARY KEY",
    },
}

_FIRST = [
    """CREATE TABLE skills (
            name {text} PRIMARY KEY,
            description {text} NOT NULL DEFAULT '',
            trigger {json} NOT NULL,
            kind {text} NOT NULL,
            tool_key {text} NOT NULL,
            created_at {real} NOT NULL)""",
    "CREATE INDEX skills_kind_tool ON skills (kind, tool_key)",
    """CREATE TABLE versions (
            id {text} PRIMARY KEY,
            skill {text} NOT NULL REFERENCES skills(name),
            number {integer} NOT NULL,
            strategy {json} NOT NULL,
            parent {text},
            origin {json} NOT NULL,
            status {text} NOT NULL,
            created_at {real} NOT NULL,
            UNIQUE (skill, number))""",
    "CREATE INDEX versions_skill ON versions (skill)",  # SQLite only: PostgreSQL has the UNIQUE index
    "CREATE INDEX versions_status ON versions (status)",
    """CREATE TABLE posteriors (
            key {text} NOT NULL,
            arm {text} NOT NULL,
            alpha {real} NOT NULL,
            beta {real} NOT NULL,
            observations {real} NOT NULL,
            updated_at {real} NOT NULL,
            extra {json} NOT NULL DEFAULT {json_default},
            PRIMARY KEY (key, arm))""",
    """CREATE TABLE episodes (
            id {text} PRIMARY KEY,
            task {text} NOT NULL,
            group_id {text},
            policy_version {text},
            started_at {real} NOT NULL,
            finished_at {real},
            reward {real},
            applied {json} NOT NULL,
            metadata {json} NOT NULL)""",
    "CREATE INDEX episodes_started ON episodes (started_at)",
    "CREATE INDEX episodes_group ON episodes (group_id)",
    """CREATE TABLE events (
            id {event_id},
            ts {real} NOT NULL,
            kind {text} NOT NULL,
            episode_id {text},
            tool {text},
            version_id {text},
            data {json} NOT NULL)""",
    "CREATE INDEX events_kind ON events (kind, id)",
    "CREATE INDEX events_episode ON events (episode_id)",
    "CREATE INDEX events_tool ON events (tool, kind)",
    "CREATE INDEX events_version ON events (version_id)",
    "CREATE TABLE meta (key {text} PRIMARY KEY, value {text} NOT NULL)",
]

# One version per content: old duplicates keep a NULL key (NULLs never collide).
_CONTENT = {
    "sqlite": "UPDATE versions SET content_hash = skillevo_content_hash(strategy) WHERE rowid IN "
    "(SELECT min(rowid) FROM versions GROUP BY skill, strategy)",
    "postgres": "UPDATE versions SET content_hash = md5(strategy::text) WHERE id IN (SELECT DISTINCT ON "
    "(skill, md5(strategy::text)) id FROM versions ORDER BY skill, md5(strategy::text), number)",
}


def migrations(dialect: str) -> list[list[str]]:
    """Every migration of `dialect` (``"sqlite"`` or ``"postgres"``), oldest first."""
    types = _TYPES[dialect]
    first = [s.format(**types) for s in _FIRST if dialect == "sqlite" or "versions_skill" not in s]
    return [
        first,
        [
            f"ALTER TABLE versions ADD COLUMN content_hash {types['text']}",
            _CONTENT[dialect],
            "CREATE UNIQUE INDEX versions_content ON versions (skill, content_hash)",
        ],
        migration(dialect),  # learning state: atomic posterior increments, key counters, version counters
        [  # epoch-conditional increments: a key's epoch, and the stamp of the update holding its row
            f"ALTER TABLE posterior_keys ADD COLUMN epoch {types['integer']} NOT NULL DEFAULT 0",
            f"ALTER TABLE posterior_keys ADD COLUMN stamp {types['text']}",
        ],
        [LIBRARY_EPOCH_ROW],  # the library's epoch as a row from the start: a key's first update locks it
        [  # each queued record's key, taken once: a batch written again is applied once (`_sql_batch`)
            f"CREATE TABLE write_keys (key {types['text']} PRIMARY KEY, at {types['real']} NOT NULL)",
        ],
    ]
