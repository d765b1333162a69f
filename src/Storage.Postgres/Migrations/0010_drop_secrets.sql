-- The JWT signing key no longer lives in the database (docs/deploy.md, Security): web hosts take it from
-- configuration or from a Data Protection key directory. Dropping the old key signs everyone out once.
DROP TABLE IF EXISTS secrets;
