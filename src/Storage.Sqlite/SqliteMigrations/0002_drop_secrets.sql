-- The JWT signing key used to live here; it is kept outside the database now (docs/deploy.md, "Security").
-- secure_delete overwrites the freed pages, so the old key is not left readable in the file.
PRAGMA secure_delete=ON;
DROP TABLE IF EXISTS secrets;
PRAGMA secure_delete=OFF;
