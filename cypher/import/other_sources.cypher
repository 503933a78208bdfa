// The runs of other sources whose rows a full import of $tables would remove (sources.py): per
// table, the runs since the last run that compared it in full (`compared_tables`, recorded by
// a --full run that ended done: what it compared holds its source's rows alone since, and the
// runs after it) — at and after that run, or all runs when none did — that wrote the table:
// of another source (`source` <> $source, by the canonical tables their files fill), or
// recorded before runs kept a source (no `source`: by `file_tables`, a canonical file's
// table; a file that is no $canonical table was a mapping's, whose tables were not recorded,
// and may have filled it; a run recorded before `file_tables` was kept, which names its files
// alone and may have been a mapped run, may have filled any table: an upgraded plant's old SAP
// run matched none, and a canonical --full removed its rows unnoted). Per table and source
// (null: before sources), how many runs and the last one. Runs
// refused before writing (an older export, this check) wrote nothing and are left out. One
// query per run: the last full comparison per table is read newest first on the index of
// ImportRun.started_at, and the runs since in one range of it.
UNWIND $tables AS table
WITH table, COLLECT {
  MATCH (compared:ImportRun)
  USING INDEX compared:ImportRun(started_at)
  WHERE compared.started_at IS NOT NULL AND compared.run_id <> $run_id
    AND table IN compared.compared_tables
  RETURN compared.started_at AS at
  ORDER BY at DESC
  LIMIT 1
} AS last
MATCH (run:ImportRun)
USING INDEX run:ImportRun(started_at)
WHERE run.started_at >= coalesce(last[0], datetime({epochMillis: 0}))
  AND run.run_id <> $run_id AND run.refused_before_writing IS NULL
  AND ((run.source IS NULL AND (run.file_tables IS NULL OR table IN run.file_tables
                                OR any(named IN run.file_tables WHERE NOT named IN $canonical)))
       OR (run.source <> $source AND table IN run.canonical_tables))
WITH table, run
ORDER BY run.started_at
WITH table, run.source AS source, collect(run) AS runs
RETURN table, source, size(runs) AS runs, runs[-1].run_id AS run_id,
  runs[-1].started_at AS started_at
ORDER BY table, started_at
