-- Completeness guard fixture, PostgreSQL 15 and newer: a publication of a whole schema (pg_publication_namespace).
CREATE PUBLICATION gk_pub_schema FOR TABLES IN SCHEMA gk;
