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

# Catalog look-ups go through indexed columns (relation oids), so they cost the same with 5 units or 5,000.
TABLES = """SELECT oid, relname FROM pg_class WHERE relnamespace = %(schema)s::regnamespace AND relkind = 'r'
            ORDER BY relname"""
UNSUPPORTED = """
    SELECT relname, 'relation kind ' || relkind::text FROM pg_class
     WHERE relnamespace = %(schema)s::regnamespace AND relkind IN ('v', 'm', 'f', 'p')
    UNION ALL SELECT proname, 'function' FROM pg_proc WHERE pronamespace = %(schema)s::regnamespace
    UNION ALL SELECT tgname, 'trigger' FROM pg_trigger WHERE tgrelid = ANY(%(tables)s::oid[]) AND NOT tgisinternal
    UNION ALL SELECT relname, 'sequence' FROM pg_class s
     WHERE s.relnamespace = %(schema)s::regnamespace AND s.relkind = 'S'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                       AND d.deptype = 'i')
"""
# Foreign keys last: they need every table, and adding them after the rows skips per-row checks.
CONSTRAINTS = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint
     WHERE conrelid = ANY(%(tables)s::oid[]) AND contype IN ('p', 'u', 'x', 'f')
     ORDER BY contype = 'f', conrelid::regclass::text, conname
"""
INDEXES = """
    SELECT pg_get_indexdef(indexrelid) FROM pg_index i WHERE indrelid = ANY(%(tables)s::oid[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid)
"""
IDENTITIES = """
    SELECT attrelid::regclass::text, attname FROM pg_attribute
     WHERE attrelid = ANY(%(tables)s::oid[]) AND attnum > 0 AND attidentity <> ''
"""


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _fetch(cursor, sql: str, **params) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def clone_schema(template: str, target: str) -> None:
    """Create `target` as a copy of `template`, all or nothing."""
    with transaction.atomic(), connection.cursor() as cursor:
        # With the template alone on the search path, definitions and regclass names name its tables
        # unqualified, so they resolve to the target's tables when replayed there; public stays qualified.
        cursor.execute(f"SET LOCAL search_path = {quote(template)}")
        found = _fetch(cursor, TABLES, schema=template)
        oids, tables = [oid for oid, _name in found], [name for _oid, name in found]
        unsupported = _fetch(cursor, UNSUPPORTED, schema=template, tables=oids)
        if unsupported:
            listed = ", ".join(f"{kind} {name}" for name, kind in unsupported)
            raise NotImplementedError(f"The template schema holds objects this clone does not copy: {listed}")
        constraints = _fetch(cursor, CONSTRAINTS, tables=oids)
        indexes = [row[0].replace(f" ON {template}.", " ON ", 1) for row in _fetch(cursor, INDEXES, tables=oids)]
        identities = _fetch(cursor, IDENTITIES, tables=oids)

        # One round trip for all the DDL and copies: hundreds of statements otherwise pay a round trip each.
        # Identifiers come from the catalog and are quoted; no value is interpolated.
        statements = [f"CREATE SCHEMA {quote(target)}", f"SET LOCAL search_path = {quote(target)}"]
        statements += [f"CREATE TABLE {quote(table)} (LIKE {quote(template)}.{quote(table)} INCLUDING DEFAULTS "
                       "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE "
                       "INCLUDING COMMENTS)" for table in tables]
        statements += [f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                       for table, name, definition, is_foreign_key in constraints if not is_foreign_key]
        statements += indexes
        statements += [f"INSERT INTO {quote(table)} SELECT * FROM {quote(template)}.{quote(table)}"  # noqa: S608
                       for table in tables]
        statements += [f"SELECT setval(pg_get_serial_sequence('{quote(target)}.{quote(table)}', '{column}'), "  # noqa: S608
                       f"max({quote(column)})) FROM {quote(table)} HAVING max({quote(column)}) IS NOT NULL"
                       for table, column in identities]
        statements += [f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                       for table, name, definition, is_foreign_key in constraints if is_foreign_key]
        cursor.execute(";\n".join(statements))
    # The SET LOCALs above last until the caller's transaction ends; make django-tenants set its path again.
    connection.set_schema(connection.schema_name, include_public=connection.include_public_schema)
