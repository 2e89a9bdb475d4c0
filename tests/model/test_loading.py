"""Loading models: variable table, names, bad input and the translation cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from sdcluster.errors import ModelFileError, UnknownVariableError
from sdcluster.model import cache as cache_module
from sdcluster.model import loaded as model_module
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.names import normalize_name
from tests import DATA


def test_variable_table_of_the_town_model(town: LoadedModel) -> None:
    population = town.variable("Population")
    assert population.kind == "stock"
    assert population.units == "person"
    assert population.python_name == "population"
    assert population.documentation == "People living in the town (a stock)."
    assert town.stocks == ("Population",)
    assert set(town.flows) == {"births", "immigration", "deaths"}
    assert town.stock_flows["Population"] == ("births", "immigration", "deaths")
    assert town.variable("crowding").kind == "auxiliary"
    assert town.variable("openness").range == (0.0, 1.0)
    assert town.variable("openness").default == 0.5
    assert town.variable("initial population").range == (0.0, None)
    assert town.variable("white noise input").range is None
    # Control variables are run settings, not model variables.
    assert "TIME STEP" not in town.variables and "FINAL TIME" not in town.variables


def test_time_settings_come_from_the_file(town: LoadedModel) -> None:
    assert (town.time.initial_time, town.time.final_time) == (0.0, 20.0)
    assert (town.time.time_step, town.time.saveper) == (0.25, 0.5)
    assert town.time.units == "Year"
    assert town.time.save_times()[-1] == 20.0
    assert len(town.time.step_times(30.0)) == 121


def test_levers_are_constants_documented_as_policy_levers(town: LoadedModel) -> None:
    assert town.levers == ("birth rate", "openness")


def test_without_lever_docs_every_ranged_constant_is_a_lever(kinds: LoadedModel) -> None:
    assert kinds.levers == ("drain time",)


def test_kinds_and_direct_flow_terms(kinds: LoadedModel) -> None:
    assert kinds.variable("level table").kind == "lookup"
    assert kinds.variable("smoothed tank").kind == "auxiliary"
    # -drain, (inflow a - inflow b) are direct terms; 2 * scaled inflow is not.
    assert set(kinds.stock_flows["Tank"]) == {"drain", "inflow a", "inflow b"}
    assert kinds.variable("scaled inflow").kind == "constant"


@pytest.mark.parametrize("spelling", ["birth rate", "Birth Rate", "birth_rate", " BIRTH  RATE "])
def test_names_resolve_in_any_spelling(town: LoadedModel, spelling: str) -> None:
    assert town.resolve(spelling) == "birth rate"
    assert spelling in town


def test_unknown_name_lists_the_closest(town: LoadedModel) -> None:
    with pytest.raises(UnknownVariableError) as raised:
        town.resolve("birthrate", context="here: ")
    message = str(raised.value)
    assert message.startswith("here: unknown variable 'birthrate'")
    assert "'birth rate'" in message and "core_town.mdl" in message


def test_normalize_name_merges_case_spaces_and_underscores() -> None:
    assert normalize_name("Innovative_Firms") == normalize_name(" innovative  firms")
    for spelling in ("Innovative Firms", "innovative_firms", "INNOVATIVE  FIRMS",
                     '"Innovative Firms"', '" Innovative Firms "', "_innovative_firms_",
                     "Innovative\tFirms"):
        assert normalize_name(spelling) == "innovative firms", spelling


def test_builtin_model_is_the_default(cluster: LoadedModel) -> None:
    assert cluster.path.name == "innovation_cluster.mdl"
    assert cluster.is_builtin
    assert set(cluster.levers) == {
        "openness", "internal cooperation", "technology introduction", "government support",
        "fair competition regulation", "university cooperation",
    }
    assert {"spinoffs", "entry", "maturation", "young firm exit", "mature firm exit"} <= set(
        cluster.flows
    )
    assert {"Young Firms", "Mature Firms"} <= set(cluster.stocks)


def test_feedback_loops_are_named_with_model_names(town: LoadedModel) -> None:
    loops = town.feedback_loops()
    assert loops
    assert any("Population" in loop.variables and "deaths" in loop.variables for loop in loops)
    assert {loop.polarity for loop in loops} <= {"reinforcing", "balancing", "undetermined"}


# ------------------------------------------------------------------ bad input


def _one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as raised:
        load_model(tmp_path / "absent.mdl")
    assert "absent.mdl: model file not found" in _one_line(raised.value)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mdl"
    empty.write_text("  \n")
    with pytest.raises(ModelFileError) as raised:
        load_model(empty)
    assert "empty.mdl: model file is empty" in _one_line(raised.value)


def test_malformed_vensim_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mdl"
    broken.write_text("{UTF-8}\nstock = INTEG(( ~ ~ |\n")
    with pytest.raises(ModelFileError) as raised:
        load_model(broken, cache_dir=tmp_path / "cache")
    assert "broken.mdl: PySD cannot translate this vensim model" in _one_line(raised.value)
    # A failed translation leaves no half-made cache entry behind.
    assert not list((tmp_path / "cache").rglob("structure.json"))


def test_malformed_xmile_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xmile"
    broken.write_text("<xmile><model>")
    with pytest.raises(ModelFileError) as raised:
        load_model(broken, cache_dir=tmp_path / "cache")
    assert "broken.xmile: not well-formed XML at line 1" in _one_line(raised.value)


def test_translation_prints_no_pysd_warnings(tmp_path: Path) -> None:
    # PySD warns "No encoding specified" for a .mdl without its {UTF-8} line.
    model_file = tmp_path / "plain.mdl"
    model_file.write_text((DATA / "core_town.mdl").read_text().replace("{UTF-8}\n", "", 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model(model_file, cache_dir=tmp_path / "cache")
    assert loaded.stocks == ("Population",)
    # Python hides DeprecationWarnings (PySD's import of chardet raises one) from users.
    shown = [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)]
    assert shown == []


def test_unsupported_suffix(tmp_path: Path) -> None:
    text = tmp_path / "model.txt"
    text.write_text("x")
    with pytest.raises(ModelFileError, match=r"model.txt: unsupported model format '\.txt'"):
        load_model(text)


def test_unwritable_cache_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(ModelFileError, match="cannot create the translation cache"):
        load_model(DATA / "core_town.mdl", cache_dir=blocker / "cache")


# ---------------------------------------------------------------------- cache


def _copy_town(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(DATA / "core_town.mdl", folder / "town.mdl"))


def test_unchanged_file_is_not_translated_again(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    model_file = _copy_town(tmp_path / "user")
    cache = tmp_path / "cache"
    first = load_model(model_file, cache_dir=cache)
    calls: list[Path] = []
    real = cache_module._pysd_translate

    def counting(source: Path, kind: str) -> object:
        calls.append(source)
        return real(source, kind)

    monkeypatch.setattr(cache_module, "_pysd_translate", counting)
    second = load_model(model_file, cache_dir=cache)
    assert calls == []
    assert second.translated_path == first.translated_path


def test_edited_file_is_translated_again(tmp_path: Path) -> None:
    model_file = _copy_town(tmp_path / "user")
    cache = tmp_path / "cache"
    before = load_model(model_file, cache_dir=cache)
    model_file.write_text(model_file.read_text().replace("0.05\n", "0.07\n", 1))
    after = load_model(model_file, cache_dir=cache)
    assert after.sha256 != before.sha256
    assert after.translated_path.parent != before.translated_path.parent
    assert after.variable("birth rate").default == 0.07


def test_nothing_is_written_beside_the_model(tmp_path: Path) -> None:
    model_file = _copy_town(tmp_path / "user")
    load_model(model_file, cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in model_file.parent.iterdir()) == ["town.mdl"]


def test_cache_folder_is_keyed_by_content_hash(tmp_path: Path) -> None:
    loaded = load_model(_copy_town(tmp_path / "user"), cache_dir=tmp_path / "cache")
    assert loaded.translated_path.parent.name == loaded.sha256
    assert loaded.translated_path.is_relative_to(tmp_path / "cache")


def test_default_cache_dir_follows_the_environment(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDCLUSTER_CACHE", str(tmp_path / "explicit"))
    assert model_module.default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("SDCLUSTER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_module.default_cache_dir() == tmp_path / "xdg" / "sdcluster"


def test_a_translation_that_lost_the_race_is_discarded(tmp_path: Path) -> None:
    entry, work = tmp_path / "entry", tmp_path / "work"
    for folder, marker in ((entry, "winner"), (work, "loser")):
        folder.mkdir()
        (folder / "structure.json").write_text(marker)
    cache_module._publish(work, entry)
    assert (entry / "structure.json").read_text() == "winner"


def test_an_incomplete_entry_is_replaced(tmp_path: Path) -> None:
    entry, work = tmp_path / "entry", tmp_path / "work"
    entry.mkdir()
    (entry / "leftover.py").write_text("")
    work.mkdir()
    (work / "structure.json").write_text("new")
    cache_module._publish(work, entry)
    assert (entry / "structure.json").read_text() == "new"
    assert not work.exists()


def test_two_processes_translating_at_once_share_one_entry(tmp_path: Path) -> None:
    model_file = _copy_town(tmp_path / "user")
    cache = tmp_path / "cache"
    script = (
        "import sys; from sdcluster.model.loaded import load_model; "
        "m = load_model(sys.argv[1], cache_dir=sys.argv[2]); print(m.variable('openness').default)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(model_file), str(cache)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["0.5", "0.5"]
    version_dirs = list(cache.iterdir())
    assert len(version_dirs) == 1
    assert [p.name for p in version_dirs[0].iterdir()] == [load_model(model_file,
                                                                      cache_dir=cache).sha256]


def test_a_constant_inflow_is_a_constant_a_scenario_can_set() -> None:
    from sdcluster.engine.pysd_runner import run_scenario
    from sdcluster.experiments.scenarios import Scenario

    model = load_model(DATA / "core_constant_inflow.mdl")
    assert model.variables["births"].kind == "constant"
    assert "births" in model.constants and "births" not in model.flows
    run = run_scenario(model, Scenario(name="more", overrides={"births": 5.0}).validated(model))
    # P' = 5 - P/20 from P(0) = 10: Euler with dt 0.25 for 10 years, by hand.
    level = 10.0
    for _ in range(40):
        level += 0.25 * (5.0 - level / 20.0)
    assert float(run["Population"].values[-1]) == pytest.approx(level, rel=1e-12)


def test_xmile_with_an_undeclared_isee_prefix_loads_and_runs(tmp_path: Path) -> None:
    # Stella and Vensim write <isee:...> markup without always declaring the prefix;
    # PySD's reader tolerates that, so loading must too (it raised a parse error).
    from sdcluster.engine.pysd_runner import run_scenario
    from sdcluster.experiments.scenarios import Scenario
    from sdcluster.model.paths import models_dir

    twin = (models_dir() / "innovation_cluster.xmile").read_text(encoding="utf-8")
    undeclared = twin.replace(' xmlns:isee="http://iseesystems.com/XMILE"', "", 1).replace(
        "<header>", '<header><isee:prefs show_module_prefix="true"/>', 1)
    assert "xmlns:isee" not in undeclared
    path = tmp_path / "exported.xmile"
    path.write_text(undeclared, encoding="utf-8")
    model = load_model(path)
    assert model.time.saveper == 0.5  # isee:save_interval still read
    variables = ["Innovative Firms"]
    run = run_scenario(model, Scenario(name="base"), variables=variables)
    declared = run_scenario(load_model(models_dir() / "innovation_cluster.xmile"),
                            Scenario(name="base"), variables=variables)
    np.testing.assert_array_equal(run["Innovative Firms"].values,
                                  declared["Innovative Firms"].values)
