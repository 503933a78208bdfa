"""Inspections in common-cause ranking: a value outside the controls' usual range of its test, a
failed inspection of a lot used all the same, the inspector and the inspection device, each a
factor found in a small plant imported into Neo4j where the complaints share it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import fisher_exact
from typer.testing import CliRunner

from tracegraph import rootcause
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths

LOTS = 48
COMPLAINTS = [f"F{i:02d}" for i in range(0, LOTS, 6)]  # 8, spread among the controls
CONTROLS = [f"F{i:02d}" for i in range(LOTS) if i % 6]  # 40

# An inspection of baked lot B<i>: (result, value, inspector, device)
Inspection = tuple[str, str, str, str]


def _plant(tmp_path: Path, graph: TraceGraph, inspected: Callable[[int], Inspection],
           own: str = "", of_bake: bool = False) -> TraceGraph:  # fmt: skip
    """48 baked lots B00-B47, each packed into finished lot F00-F47 one minute apart (one
    shift, one packer: the steps tell the lots apart by nothing), each with the core_temp
    inspection `inspected(i)`; `own`: inspections rows of the finished lots themselves.
    `of_bake`: each baked lot made by a bake step M00-M47 (all in one shift, by nobody on no
    device), and its inspection recorded against that step only, as an MES records an
    in-process check, not against the lot."""
    lots = "lot_id,material_id,quantity,uom\n" + "".join(
        f"B{i:02d},BAKED,10,kg\nF{i:02d},BREAD,100,pcs\n" for i in range(LOTS)
    )
    steps = "step_id,operation,started_at,device_id,operator_id\n" + "".join(
        f"K{i:02d},pack,2026-11-03T08:{i:02d}:00+00:00,PACKER-1,{'OP01' if i % 2 else 'OP07'}\n"
        for i in range(LOTS)
    )
    outputs = "".join(f"K{i:02d},F{i:02d},100,pcs\n" for i in range(LOTS))
    if of_bake:
        steps += "".join(f"M{i:02d},bake,2026-11-03T06:{i:02d}:00+00:00,,\n" for i in range(LOTS))
        outputs += "".join(f"M{i:02d},B{i:02d},10,kg\n" for i in range(LOTS))
    inspections = ("inspection_id,test,result,inspected_at,lot_id,step_id,device_id,operator_id,"
                   "value,unit\n")  # fmt: skip
    for i in range(LOTS):
        result, value, inspector, device = inspected(i)
        of = f",M{i:02d}" if of_bake else f"B{i:02d},"
        inspections += (f"I{i:02d},core_temp,{result},2026-11-03T07:{i:02d}:00+00:00,{of},"
                        f"{device},{inspector},{value},degC\n")  # fmt: skip
    files = {
        "lots.csv": lots,
        "steps.csv": steps,
        "step_inputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"K{i:02d},B{i:02d},10,kg\n" for i in range(LOTS)),
        "step_outputs.csv": "step_id,lot_id,quantity,uom\n" + outputs,
        "inspections.csv": inspections + own,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def _one_sided(with_bad: int, with_good: int) -> float:
    table = [[with_bad, len(COMPLAINTS) - with_bad], [with_good, len(CONTROLS) - with_good]]
    return float(fisher_exact(table, alternative="greater")[1])


def _adjusted(ranking: rootcause.Ranking, p: float) -> float:
    """p adjusted for the ranking's count of testable factors — of every lot ranked, which the
    factors listed (the complaints' only) cannot tell — at least those listed that could be
    significant."""
    carriers = np.array([f["complaints_with"] + f["controls_with"] for f in ranking.factors])
    listed = rootcause.testable_count(carriers, len(COMPLAINTS), len(CONTROLS))
    assert ranking.factors_tested >= listed
    return min(1.0, p * ranking.factors_tested)


@pytest.mark.parametrize("of_bake", [False, True], ids=["of-the-lot", "of-its-bake-step"])
def test_a_core_temp_below_the_controls_usual_range_is_the_strongest_factor(
    graph: TraceGraph, tmp_path: Path, of_bake: bool
) -> None:
    """The controls' core temperatures run 94.0-97.9 degC (5th percentile 94.195); the
    complaints' baked lots read 91.5, below it, as do two controls (94.0, 94.1). One control's
    value is no number ("n/a") and one complaint's is written with spaces: the first is
    skipped, the second read. The same when the check was recorded against the bake step that
    made the lot, not the lot (the query reads it as the lot's, as a backward trace shows it)."""

    def inspected(i: int) -> Inspection:
        value = "91.5" if i % 6 == 0 else f"{94 + i / 10:.1f}"
        value = {1: "n/a", 6: " 91.5 "}.get(i, value)
        return "pass", value, "OP09", "THERMO-1"

    ranking = rootcause.rank_common_causes(_plant(tmp_path, graph, inspected, of_bake=of_bake),
                                           COMPLAINTS, CONTROLS, inspections=True)  # fmt: skip
    top = ranking.factors[0]
    low = float(np.percentile([94 + i / 10 for i in range(LOTS) if i % 6 and i != 1], 5))
    assert (top["kind"], top["value"], top["complaints_with"], top["controls_with"]) == (
        "inspection out of range",
        f"core_temp low (below {low:g} degC, the controls' 5th percentile)",
        8, 2,
    )  # fmt: skip
    assert top["p_value"] == pytest.approx(_one_sided(8, 2), rel=1e-9)
    assert top["p_adjusted"] == pytest.approx(_adjusted(ranking, top["p_value"]), rel=1e-9)
    assert top["verdict"] == "strong common cause"
    assert ranking.factors[1]["p_value"] > 1e3 * top["p_value"]  # it stands alone
    # the inspector and the device inspected every lot: no evidence either way
    shared = {(f["kind"], f["value"]): (f["complaints_with"], f["controls_with"])
              for f in ranking.factors}  # fmt: skip
    assert shared[("inspector", "OP09 (core_temp)")] == (8, 40)
    assert shared[("inspection device", "THERMO-1 (core_temp)")] == (8, 40)


def test_one_inspector_of_the_complaints_is_found_beyond_the_packers(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """OP07 inspected every complaint's baked lot and one control's; the other controls were
    inspected by OP01-OP05. OP07 also packed half the lots (every complaint among them): as
    an operator of a step OP07 tells little, as the core_temp inspector the complaints share
    it stands out — in the library, the table and the JSON."""

    def inspected(i: int) -> Inspection:
        inspector = "OP07" if i % 6 == 0 or i == 5 else f"OP0{i % 5 + 1}"
        return "pass", "96.0", inspector, ""

    graph = _plant(tmp_path, graph, inspected)
    # without --inspections the ranking reads none: OP07 is only a packer there
    plain = rootcause.rank_common_causes(graph, COMPLAINTS, CONTROLS)
    assert not any(f["kind"] in rootcause.INSPECTION_KINDS for f in plain.factors)
    ranking = rootcause.rank_common_causes(graph, COMPLAINTS, CONTROLS, inspections=True)
    top = ranking.factors[0]
    assert (top["kind"], top["value"], top["complaints_with"], top["controls_with"]) == (
        "inspector", "OP07 (core_temp)", 8, 1,
    )  # fmt: skip
    assert top["p_value"] == pytest.approx(_one_sided(8, 1), rel=1e-9)
    assert top["p_adjusted"] == pytest.approx(_adjusted(ranking, top["p_value"]), rel=1e-9)
    assert top["verdict"] == "strong common cause"
    packer = next(f for f in ranking.factors if (f["kind"], f["value"]) == ("operator", "OP07"))
    assert (packer["complaints_with"], packer["controls_with"]) == (8, 16)
    assert packer["p_value"] > 1e3 * top["p_value"]
    assert not any(f["kind"] == "inspection device" for f in ranking.factors)  # none given
    # constant values: a usual range of [96, 96] that no lot leaves
    assert not any(f["kind"] == "inspection out of range" for f in ranking.factors)

    runner = CliRunner()
    table = runner.invoke(app, ["rootcause", *COMPLAINTS, "--controls", ",".join(CONTROLS),
                                "--inspections"])  # fmt: skip
    assert table.exit_code == 0, table.output
    first = next(line for line in table.stdout.splitlines() if "8/8" in line)
    assert "inspector" in first and "8/8 (100%)" in first and "1/40 (2%)" in first
    assert "strongest: inspector OP07 (core_temp) (strong common cause)" in table.stdout
    shown = runner.invoke(app, ["rootcause", *COMPLAINTS, "--controls", ",".join(CONTROLS),
                                "--inspections", "--format", "json"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert '"kind": "inspector"' in shown.stdout and '"value": "OP07 (core_temp)"' in shown.stdout


@pytest.mark.parametrize("of_bake", [False, True], ids=["of-the-lot", "of-its-bake-step"])
def test_a_failed_inspection_upstream_is_a_factor_and_a_lots_own_failure_is_not(
    graph: TraceGraph, tmp_path: Path, of_bake: bool
) -> None:
    """The complaints' baked lots failed core_temp and were packed all the same, as was one
    control's (recorded against the lot, or against the bake step that made it). Every
    finished complaint lot failed its own final check too (the controls passed theirs): that
    is the defect, not a cause of it, and would be "shared" by every complaint set chosen by
    it."""

    def inspected(i: int) -> Inspection:
        return ("fail" if i % 6 == 0 or i == 5 else "pass"), "", "OP09", ""

    own = "".join(f"J{i:02d},final,{'pass' if i % 6 else 'fail'},2026-11-03T10:00:00+00:00,"
                  f"F{i:02d},,,OP09,,\n" for i in range(LOTS))  # fmt: skip
    ranking = rootcause.rank_common_causes(_plant(tmp_path, graph, inspected, own, of_bake),
                                           COMPLAINTS, CONTROLS, inspections=True)  # fmt: skip
    top = ranking.factors[0]
    assert (top["kind"], top["value"], top["complaints_with"], top["controls_with"]) == (
        "failed inspection", "core_temp", 8, 1,
    )  # fmt: skip
    assert top["p_value"] == pytest.approx(_one_sided(8, 1), rel=1e-9)
    assert top["verdict"] == "strong common cause"
    assert top["explanation"].startswith(
        "failed inspection core_temp is upstream of 8 of 8 complaint lots (100%) but of 1 of 40 "
        "given control lots (2%)"
    )
    assert not any(f["value"] == "final" for f in ranking.factors)
    # the inspector of a lot's own check is a factor (whoever passed a bad lot), here of all
    inspector = next(f for f in ranking.factors if f["value"] == "OP09 (final)")
    assert (inspector["kind"], inspector["complaints_with"], inspector["controls_with"]) == (
        "inspector", 8, 40,
    )  # fmt: skip


def test_an_inspection_test_too_few_controls_have_is_said_to_be_untested(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Only the complaints' baked lots and three controls' have a core temperature: too few
    control values for a usual range, said as an untested parameter is."""

    def inspected(i: int) -> Inspection:
        return "pass", ("96.5" if i % 6 == 0 or i in (1, 2, 3) else ""), "OP09", ""

    ranking = rootcause.rank_common_causes(_plant(tmp_path, graph, inspected), COMPLAINTS,
                                           CONTROLS, inspections=True)  # fmt: skip
    assert [n for n in ranking.notes if "inspection test" in n] == [
        "1 inspection test of the complaint lots' inspections was not tested for being out of "
        "range: the control lots' inspections give fewer than 20 values to draw the usual "
        "range from — core_temp (degC, 3 values)"
    ]


def test_an_inspection_two_lots_share_is_one_value_of_its_tests_range() -> None:
    """An in-process check of a step that made two lots comes with each of them (the query
    reads a step's checks as the lots' it made), and a lot's inspections with every row that
    reaches it: the usual range counts each inspection once, by its id, as it counts each step
    once."""

    def row(*values: tuple[str, float]) -> dict[str, object]:
        checks = [{"id": i, "test": "core_temp", "result": "pass", "value": v, "unit": "degC",
                   "operator_id": None, "device_id": None} for i, v in values]  # fmt: skip
        return {"steps": [], "own_inspections": checks[:1], "inspections": [checks[1:]]}

    rows = [row(("I1", 90.0), ("I2", 95.0)), row(("I1", 90.0), ("I3", 96.0))]
    assert rootcause.parameter_values(rows) == {
        (rootcause.INSPECTED, "core_temp", "degC"): [90.0, 95.0, 96.0]
    }


def test_inspections_keep_their_inspector_and_device_as_properties_and_need_none(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The import copies an inspection's operator_id and device_id onto it, beside its BY and ON
    edges (the factors query reads a property, not an edge, per inspection); a graph imported
    before the copies ranks the same from the edges, and `db init` copies them."""

    def inspected(i: int) -> Inspection:
        return "pass", "96.0", ("OP07" if i % 6 == 0 else "OP01"), f"THERMO-{i % 2}"

    graph = _plant(tmp_path, graph, inspected)
    copies = ("MATCH (i:Inspection)-[:BY]->(o:Operator) MATCH (i)-[:ON]->(d:Device) "
              "RETURN count(*) AS n, count(CASE WHEN i.operator_id = o.operator_id "
              "AND i.device_id = d.device_id THEN 1 END) AS same")  # fmt: skip
    with graph.driver.session(database=graph.database) as session:
        assert session.run(copies).single(strict=True).data() == {"n": LOTS, "same": LOTS}
        before = rootcause.rank_common_causes(graph, COMPLAINTS, CONTROLS, inspections=True)
        assert before.factors[0]["value"] == "OP07 (core_temp)"
        session.run("MATCH (i:Inspection) REMOVE i.operator_id, i.device_id").consume()
        try:
            after = rootcause.rank_common_causes(graph, COMPLAINTS, CONTROLS, inspections=True)
            assert after.factors == before.factors
        finally:
            graph.init_schema()
        assert session.run(copies).single(strict=True).data() == {"n": LOTS, "same": LOTS}


def test_a_backward_trace_lists_each_inspections_inspector_and_device(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Who checked a lot, and on what: the backward trace's inspections carry operator_id and
    device_id (the copies the import keeps) in JSON, the table and the CSV (whose columns for
    them were empty before the copies)."""

    def inspected(i: int) -> Inspection:
        return "pass", "96.0", "OP09", "THERMO-1"

    _plant(tmp_path, graph, inspected)
    shown = CliRunner().invoke(app, ["trace", "backward", "F00", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    (inspection,) = json.loads(shown.stdout)["inspections"]
    assert (inspection["inspection_id"], inspection["operator_id"], inspection["device_id"]) == (
        "I00", "OP09", "THERMO-1",
    )  # fmt: skip
    table = CliRunner().invoke(app, ["trace", "backward", "F00"], env={"COLUMNS": "200"})
    row = next(line for line in table.stdout.splitlines() if "I00" in line)
    assert "OP09" in row and "THERMO-1" in row, table.stdout
    sheet = CliRunner().invoke(app, ["trace", "backward", "F00", "--format", "csv"])
    records = csv.DictReader(io.StringIO(sheet.stdout))
    (record,) = [r for r in records if r["record"] == "inspection"]
    assert (record["operator_id"], record["device_id"]) == ("OP09", "THERMO-1")


def test_lot_show_lists_the_check_of_the_step_that_made_the_lot(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """A core_temp check recorded against bake step M00 and no lot: the backward trace of F00
    listed it, the dossier of B00 (the lot M00 made) did not. It does now, with the step, the
    inspector and the device in its history line."""

    def inspected(i: int) -> Inspection:
        return "fail", "91.5", "OP09", "THERMO-1"

    _plant(tmp_path, graph, inspected, of_bake=True)
    runner = CliRunner()
    shown = runner.invoke(app, ["lot", "show", "B00", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    (inspection,) = json.loads(shown.stdout)["inspections"]
    assert (inspection["inspection_id"], inspection["step_id"], inspection["result"]) == (
        "I00", "M00", "fail",
    )  # fmt: skip
    sheet = runner.invoke(app, ["lot", "show", "B00", "--format", "csv"])
    history = list(csv.DictReader(io.StringIO(sheet.stdout.lstrip("\ufeff"))))
    (line,) = [e for e in history if e["reference"] == "I00"]
    assert (line["event"], line["detail"]) == (
        "inspected: fail", "core_temp 91.5 degC; during M00; by OP09; on THERMO-1",
    )  # fmt: skip
    # the lot packed from B00 is not B00: the bake's check is not its own
    packed = runner.invoke(app, ["lot", "show", "F00", "--format", "json"])
    assert json.loads(packed.stdout)["inspections"] == []
