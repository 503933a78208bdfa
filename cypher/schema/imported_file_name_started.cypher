// The files of one name newest first, from the index alone: previous_import_of_file seeks the
// last run that read a name here (a name no run read, lots_20261207.csv, finds nothing at
// once; the runs' file_names lists were read, every run's for a new name). position: of two
// files of one name in a run (two nights' folders), the later is what the run wrote last.
CREATE RANGE INDEX imported_file_name_started IF NOT EXISTS
FOR (n:ImportedFile) ON (n.name, n.started_at, n.position)
