// Names come from SHOW INDEXES, passed as a parameter: no Cypher text is assembled.
DROP CONSTRAINT $name IF EXISTS
