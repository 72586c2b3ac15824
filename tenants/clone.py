"""Copy the template schema into a new unit's schema with a handful of catalog queries.

django-tenants ships a general plpgsql `clone_schema()` that scans the whole catalog: measured here it took
0.15 s with 3 schemas and 0.72 s with 206, slower than replaying our migrations. This copy looks only at the
template's own objects, so its cost stays flat as units accumulate. It copies what Django migrations create:
tables (columns, defaults, identity columns, checks), primary/unique/exclusion constraints and indexes under
their original names (a later migration may refer to them), the rows (content types, permissions, migration
records), identity positions, then foreign keys. Anything else in the template (views, functions, triggers,
free-standing sequences) is refused loudly rather than silently left out.
"""

from django.db import connection, transaction

UNSUPPORTED = """
    SELECT relname, 'relation kind ' || relkind::text FROM pg_class
     WHERE relnamespace = %(s)s::regnamespace AND relkind IN ('v', 'm', 'f', 'p')
    UNION ALL SELECT proname, 'function' FROM pg_proc WHERE pronamespace = %(s)s::regnamespace
    UNION ALL SELECT tgname, 'trigger' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = %(s)s::regnamespace AND NOT t.tgisinternal
    UNION ALL SELECT relname, 'sequence' FROM pg_class s
     WHERE s.relnamespace = %(s)s::regnamespace AND s.relkind = 'S'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype = 'i')
"""
TABLES = "SELECT relname FROM pg_class WHERE relnamespace = %(s)s::regnamespace AND relkind = 'r' ORDER BY relname"
# Foreign keys last: they need every table, and adding them after the rows skips per-row checks.
CONSTRAINTS = """
    SELECT c.relname, con.conname, pg_get_constraintdef(con.oid), con.contype = 'f'
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     WHERE con.connamespace = %(s)s::regnamespace AND con.contype IN ('p', 'u', 'x', 'f')
     ORDER BY con.contype = 'f', c.relname, con.conname
"""
INDEXES = """
    SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = %(s)s::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
"""
IDENTITIES = """
    SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind = 'r' AND a.attidentity <> ''
"""


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _fetch(cursor, sql: str, template: str) -> list[tuple]:
    cursor.execute(sql, {"s": template})
    return cursor.fetchall()


def clone_schema(template: str, target: str) -> None:
    """Create `target` as a copy of `template`, all or nothing."""
    with transaction.atomic(), connection.cursor() as cursor:
        unsupported = _fetch(cursor, UNSUPPORTED, template)
        if unsupported:
            found = ", ".join(f"{kind} {name}" for name, kind in unsupported)
            raise NotImplementedError(f"The template schema holds objects this clone does not copy: {found}")
        # django-tenants sets the search path again on every new cursor, so these SET LOCALs end with this one.
        # With the template alone on the search path, definitions name its tables unqualified, so they
        # resolve to the target's tables when replayed there; references to public stay qualified.
        cursor.execute(f"SET LOCAL search_path = {quote(template)}")
        tables = [row[0] for row in _fetch(cursor, TABLES, template)]
        constraints = _fetch(cursor, CONSTRAINTS, template)
        indexes = [row[0].replace(f" ON {template}.", " ON ", 1) for row in _fetch(cursor, INDEXES, template)]
        identities = _fetch(cursor, IDENTITIES, template)

        cursor.execute(f"CREATE SCHEMA {quote(target)}")
        cursor.execute(f"SET LOCAL search_path = {quote(target)}")
        for table in tables:
            cursor.execute(f"CREATE TABLE {quote(table)} (LIKE {quote(template)}.{quote(table)} INCLUDING DEFAULTS "
                           "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE "
                           "INCLUDING COMMENTS)")
        for table, name, definition, is_foreign_key in constraints:
            if not is_foreign_key:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for definition in indexes:
            cursor.execute(definition)
        # Identifiers below come from the catalog and are quoted; no value is interpolated.
        for table in tables:
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(template)}.{quote(table)}")  # noqa: S608
        for table, column in identities:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), max({quote(column)})) "  # noqa: S608
                           f"FROM {quote(table)} HAVING max({quote(column)}) IS NOT NULL",
                           [f"{quote(target)}.{quote(table)}", column])
        for table, name, definition, is_foreign_key in constraints:
            if is_foreign_key:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
