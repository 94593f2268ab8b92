-- Up Migration
-- Nothing to do: this step pins the plan of PostgreSQL's claim function; SQLite has none.
-- It keeps the two engines on the same numbers.

-- Down Migration
