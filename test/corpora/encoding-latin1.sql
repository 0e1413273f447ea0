-- Corpus "latin1": for a database created with ENCODING 'LATIN1' (the harness creates source and target
-- that way). Text and names with Latin-1 characters, written here in UTF-8 (the client encoding is set
-- below): a dump read through a UTF-8 connection must come back to the same Latin-1 bytes.
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE SCHEMA "données";
CREATE TABLE "données"."clés" (id integer PRIMARY KEY, "libellé" text, prix numeric);
INSERT INTO "données"."clés" VALUES (1, 'Crème brûlée', 7.5), (2, 'Smørrebrød ½', 12), (3, '¿Qué? ¡Sí! ©®°±µ¶·¼', NULL), (4, E'tab\tÿ', 0);
COMMENT ON TABLE "données"."clés" IS 'table à clés, ça va';
CREATE TYPE "données".état AS ENUM ('créé', 'validé', 'annulé');
CREATE TABLE "données".commandes (id serial PRIMARY KEY, "état" "données".état DEFAULT 'créé', note varchar(20) DEFAULT 'à faire');
INSERT INTO "données".commandes ("état") VALUES ('validé'), (DEFAULT);
