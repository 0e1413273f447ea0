-- PostgreSQL 17+ only additions to corpus "objects-partitions": identity columns on partitioned
-- tables (new in 17) and the MAINTAIN privilege (new in 17).
SET client_min_messages = warning;
CREATE TABLE part.tickets (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000),
  opened date NOT NULL,
  title text
) PARTITION BY RANGE (opened);
CREATE TABLE part.tickets_2024 PARTITION OF part.tickets FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE part.tickets_rest PARTITION OF part.tickets DEFAULT;
INSERT INTO part.tickets (opened, title) SELECT DATE '2024-03-01' + i * 5, 'ticket ' || i FROM generate_series(1, 100) AS i;
GRANT MAINTAIN ON part.sensors TO pgv_auditor;
