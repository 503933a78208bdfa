"""The engines tracegraph is measured against on the same plant: PostgreSQL with recursive SQL
(what an ERP's own database would do) and an in-memory breadth-first search (the physical
limit). Used by tracegraph.bench_engines (`./scripts/bench`)."""
