// Version and edition of the server behind the driver, for `tracegraph db status`.
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
