-- The query catalogue the Orleans ADO.NET providers load at start-up ("SELECT QueryKey, QueryText FROM OrleansQuery").
-- Each provider looks its statements up by key and binds its own @-named parameters, so the SQL below is the
-- whole contract between Orleans and this schema. Unquoted names fold to lower case, which is what Orleans' own
-- unquoted SELECT resolves to.
CREATE TABLE OrleansQuery
(
    QueryKey  text PRIMARY KEY,
    QueryText text NOT NULL
);
