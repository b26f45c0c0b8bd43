"""SQL of the article search index, shared by migration 0002 and search.ensure_index()."""

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5(title, body, tokenize='trigram')",
    """CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ai AFTER INSERT ON knowledge_article BEGIN
         INSERT INTO knowledge_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    """CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_au AFTER UPDATE OF title, body ON knowledge_article BEGIN
         DELETE FROM knowledge_article_fts WHERE rowid = old.id;
         INSERT INTO knowledge_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    """CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ad AFTER DELETE ON knowledge_article BEGIN
         DELETE FROM knowledge_article_fts WHERE rowid = old.id;
       END""",
]
SQLITE_FORWARD = SQLITE_SCHEMA + [
    "INSERT INTO knowledge_article_fts(rowid, title, body) SELECT id, title, body FROM knowledge_article",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ai",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_au",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ad",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS knowledge_article_title_trgm ON knowledge_article USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS knowledge_article_body_trgm ON knowledge_article USING gin (body gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_title_trgm",
    "DROP INDEX IF EXISTS knowledge_article_body_trgm",
]
