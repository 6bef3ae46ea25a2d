"""The scenario: one validated, immutable description of a customer population.

A scenario says who enters (a cohort at time 0 and/or a stream of prospects
from marketing), how customers move through the lifecycle stages
(客户生命周期, textbook §1) or through the years of an LTV table (§4), what
they buy and what they cost, and how money is discounted.  Every engine, plot,
widget and the command line consume the same object.

Units, stated once: **money is yuan (¥)**, **rates are per year**, **durations
are years**.  ``time_unit`` only chooses the reporting period (a year or a
month) and the unit of ``horizon``.

Every field is checked when the scenario is built -- by keywords, from a dict
or from a file -- and all problems are reported at once in a
:class:`~simkit.ScenarioError` naming the field, the value and the rule.
Nothing downstream re-checks or repairs input.

>>> s = Scenario(horizon=3, arrivals={"cohort_size": 100, "cohort_stage": "new"},
...              stages={"new": {"orders_per_year": 2, "average_order_value": 50}})
>>> s.stages.new.orders_per_year
2.0
>>> Scenario(horizon=0, arrivals={"cohort_size": 100})
Traceback (most recent call last):
...
simkit.core.errors.ScenarioError: invalid scenario: horizon: got 0, expected a whole number in [1, 100]
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..core.errors import ScenarioError
from ..core.language import _, speaking
from .reading import parse_text, read_text
from .rules import (FRACTION, MAX_HORIZON_YEARS, MONEY, Choice, Number, Text,
                    rule_field, show_key, show_value)
from .parts import (FUNNEL_STAGES, PERIODS_PER_YEAR, Arrivals, CrossSell, Discounting, Funnel, StageParams, Stages,
                    TenureSchedule, _STAGE_FIELDS)
from .stages import Stage

__all__ = ["FIELD_DOC", "FIELD_UNIT", "Scenario", "field_texts", "field_words", "scenario_reference"]



def scenario_reference() -> str:
    """Every field a scenario file may hold, as a Markdown table (the reference in docs/guide.md, in English)."""
    with speaking("en"):
        return _scenario_reference()


def _scenario_reference() -> str:
    sections = [("", Scenario), ("arrivals.", Arrivals), ("stages.<stage>.", StageParams),
                ("tenure.", TenureSchedule), ("cross_sell.", CrossSell), ("funnel.", Funnel),
                ("discounting.", Discounting)]
    lines = ["| field | default | allowed | unit | meaning |", "|---|---|---|---|---|"]
    for prefix, cls in sections:
        for f in dataclasses.fields(cls):
            if f.name in ("arrivals", "stages", "tenure", "discounting", "cross_sell", "funnel"):
                continue
            rule = f.metadata.get("rule")
            if f.name == "horizon":
                allowed = "a whole number in [1, 100] years or [1, 1,200] months"
            elif f.name == "next_stage":
                allowed = "table: next stage -> probability, summing to 1"
            elif f.name == "other_costs_per_year":
                allowed = "table: cost name -> list of numbers >= 0"
            elif f.name == "replace_lost":
                allowed = "true or false"
            else:
                allowed = rule.describe() if rule else ""
            if cls is TenureSchedule and f.name != "other_costs_per_year":
                allowed = f"list, one per tenure year: {allowed}"
            if cls is Funnel and f.name != "lead_qualification":
                allowed = f"list, one per funnel stage: {allowed}"
            if f.default is not dataclasses.MISSING:
                default = "(none)" if f.default is None else repr(f.default)
            else:
                default = "{}" if f.name in ("next_stage", "other_costs_per_year") else "(required)"
            if cls is TenureSchedule and f.default == ():
                default = "(required)"
            term = f"; textbook: {f.metadata['term']}" if f.metadata.get("term") else ""
            lines.append(f"| `{prefix}{f.name}` | {default} | {allowed} | {f.metadata.get('unit', '')} | "
                         f"{f.metadata.get('doc', '')}{term} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Scenario:
    """One customer population: who enters, how they move and buy, what it costs.

    Parameters
    ----------
    name, description : str
        A short identifier and a sentence for people.
    time_unit : {'year', 'month'}
        The reporting period; also the unit of ``horizon``.  All rates are
        still per year and all durations in years.
    horizon : int
        Number of periods simulated (1..100 years, or 1..1200 months).
    seed : int
        Seed of the ``numpy.random.Generator`` the engine uses; the same
        scenario and seed give bit-identical results.
    arrivals : Arrivals or mapping
        Cohort at time 0, stream of prospects, acquisition cost.
    stages : Stages or mapping
        Parameters of prospect, new, loyal, decline (§1).
    tenure : TenureSchedule or mapping, optional
        Parameters by year of tenure (an LTV table, §4).  When given, a
        converted customer follows it -- stage NEW in tenure year 1, LOYAL
        afterwards, LOST when not retained -- and ``stages.new/loyal/decline``
        must be left out.
    discounting : Discounting or mapping
        Interest rate, risk factor and payment delay (§4).
    cross_sell : CrossSell or mapping
        The second product adopters buy (stage field ``cross_sell_adoption_per_year``).
    funnel : Funnel or mapping, optional
        The prospect stage as a sales funnel (§7); replaces the prospect
        stage's ``mean_duration_years`` and ``next_stage``.

    Raises
    ------
    ScenarioError
        Listing every broken rule: field path, value received, what is allowed.
    """

    name: str = rule_field("scenario", Text(100, non_empty=True, single_line=True), "", "short identifier")
    description: str = rule_field("", Text(2000), "", "a sentence for people")
    time_unit: str = rule_field("year", Choice(tuple(PERIODS_PER_YEAR)), "",
                            "reporting period and unit of the horizon")
    horizon: int = rule_field(5, None, "time units", "number of periods simulated", slider=(1, 20))
    seed: int = rule_field(0, Number(0, 2**63 - 1, integer=True), "", "random seed")
    arrivals: Arrivals = field(default_factory=Arrivals)
    stages: Stages = field(default_factory=Stages)
    tenure: TenureSchedule | None = None
    cross_sell: CrossSell = field(default_factory=CrossSell)
    funnel: Funnel | None = None
    discounting: Discounting = field(default_factory=Discounting)

    def __post_init__(self):
        problems: list[str] = []
        values = _check_scenario(self, problems)
        if problems:
            raise ScenarioError(problems)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # -- derived quantities -------------------------------------------------
    @property
    def periods_per_year(self) -> int:
        """1 for yearly periods, 12 for monthly."""
        return PERIODS_PER_YEAR[self.time_unit]

    @property
    def period_years(self) -> float:
        """Length of one reporting period, in years."""
        return 1.0 / self.periods_per_year

    @property
    def n_periods(self) -> int:
        """Number of reporting periods (= ``horizon``)."""
        return self.horizon

    @property
    def horizon_years(self) -> float:
        """The horizon in years."""
        return self.horizon / self.periods_per_year

    # -- conversion ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping, source: str | None = None) -> "Scenario":
        """Build a scenario from plain data (as read from a TOML or JSON file).

        Parameters
        ----------
        data : mapping
            The scenario's fields by name, parts as nested mappings
            (``{"horizon": 3, "arrivals": {"cohort_size": 100}}``); an unknown
            key is a problem (with a guess at the key meant).
        source : str, optional
            Where the data came from (a file name), shown in the error.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            Listing every unknown key and every broken rule at once.
        """
        problems: list[str] = []
        known = _known_keys(cls, data, "", problems)
        if known is None:
            raise ScenarioError(problems, source)
        try:
            scenario = cls(**known)
        except ScenarioError as error:
            problems.extend(error.problems)
        if problems:
            raise ScenarioError(problems, source)
        return scenario

    def to_dict(self) -> dict:
        """Plain data (dicts, lists, numbers, strings) that :meth:`from_dict` reads back."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "stages":
                value = {name: _plain(getattr(value, name)) for name in _STAGE_FIELDS
                         if getattr(value, name) != StageParams()}
                if not value:
                    continue
            elif f.name == "cross_sell" and value == CrossSell():
                continue
            elif dataclasses.is_dataclass(value):
                value = _plain(value)
                if f.name == "tenure" and value.get("margin_per_customer") is not None:
                    for name in _REQUIRED_TENURE[1:]:  # a table by margin has no purchase rows
                        value.pop(name, None)
                value = {key: item for key, item in value.items() if item is not None}
            out[f.name] = value
        return out

    def to_toml(self) -> str:
        """The scenario as TOML text (one line per list of numbers, as a person writes it)."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())

        def one_line(match):
            items = [item.strip().rstrip(",") for item in match.group(2).strip().splitlines()]
            line = f"{match.group(1)}[{', '.join(items)}]"
            return line if len(line) <= 100 else match.group(0)

        return re.sub(r"^(\w+ = )\[\n((?:[ \t]+[^\[\]\n]+,\n)+)\]", one_line, text, flags=re.MULTILINE)

    def save(self, path) -> Path:
        """Write the scenario to a ``.toml`` or ``.json`` file (:meth:`to_dict`'s data).

        Parameters
        ----------
        path : str or pathlib.Path
            The file; its suffix chooses the format.  An existing file is replaced.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        ValueError
            If the name does not end in ``.toml`` or ``.json``.
        """
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        elif path.suffix == ".toml":
            path.write_text(self.to_toml(), encoding="utf-8")
        else:
            raise ValueError(_("{path}: got {value}, expected {rule}").format(
                path="path", value=repr(str(path)), rule=_("a file name ending in .toml or .json")))
        return path

    @classmethod
    def from_file(cls, path) -> "Scenario":
        """Read a scenario from a ``.toml`` or ``.json`` file (safe parsers only).

        Only a regular file of at most :data:`~simkit.model.reading.MAX_FILE_BYTES` is read (never
        a pipe, a device or an endless stream), as UTF-8 (a byte-order mark is allowed); anything
        else is a ScenarioError saying what to do.

        Parameters
        ----------
        path : str or pathlib.Path
            A file whose name ends in ``.toml`` or ``.json`` (the suffix chooses the parser).

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            If the file is missing, unreadable, not a regular file, too large, not
            UTF-8 or not valid TOML/JSON, or the scenario in it breaks a rule.
        """
        text, format = read_text(path)
        return cls.from_text(text, format=format, source=str(path))

    @classmethod
    def from_text(cls, text: str, format: str = "toml", source: str | None = None) -> "Scenario":
        """Parse TOML or JSON text into a scenario.

        Every failure of the parser -- bad syntax, nesting too deep, a number too long, a key given
        twice -- is a ScenarioError.

        Parameters
        ----------
        text : str
            The scenario as written in a file.
        format : {'toml', 'json'}, default 'toml'
            The syntax of ``text``.
        source : str, optional
            Where the text came from (a file name), shown in the error.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            For a failure of the parser or a broken rule.
        """
        return cls.from_dict(parse_text(text, format, source), source=source)

    def replace(self, **changes) -> "Scenario":
        """A copy with some top-level fields changed (checked again).

        Parameters
        ----------
        **changes
            New values of top-level fields by name (``horizon=10``, ``seed=3``);
            a part (``arrivals=...``) is replaced whole.  :meth:`updated`
            changes a single field inside a part.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            If the copy breaks a rule.
        """
        return dataclasses.replace(self, **changes)

    def updated(self, changes: Mapping[str, Any]) -> "Scenario":
        """A copy with fields changed by dotted path, checked again.

        Parameters
        ----------
        changes : mapping of str -> value
            New values by dotted path, e.g. ``{"arrivals.cohort_size": 20,
            "stages.new.orders_per_year": 3}``.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            For a path through something that is not a table, an unknown key or
            a broken rule.

        Examples
        --------
        >>> s = Scenario(arrivals={"cohort_size": 10})
        >>> s.updated({"arrivals.cohort_size": 20, "stages.new.orders_per_year": 3}).arrivals.cohort_size
        20
        """
        data = self.to_dict()
        for path, value in changes.items():
            *parents, last = path.split(".")
            node = data
            for key in parents:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise ScenarioError(_("{path}: {key} is not a table").format(path=path, key=key))
            node[last] = value
        return Scenario.from_dict(data)


# --------------------------------------------------------------------------
# the one place where a scenario is checked
# --------------------------------------------------------------------------
def _plain(obj) -> dict:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if isinstance(value, Stage):
            value = value.label
        elif isinstance(value, Mapping):
            value = {Stage(k).label if isinstance(k, Stage) else k: list(v) if isinstance(v, tuple) else v
                     for k, v in value.items()}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _known_keys(cls, data, path: str, problems: list[str]) -> dict | None:
    """``data`` as keyword arguments of ``cls``; unknown keys are problems."""
    where = path or "scenario"
    names = [f.name for f in dataclasses.fields(cls)]
    if not isinstance(data, Mapping):
        problems.append(_("{path}: got {value} ({kind}), expected {rule}").format(
            path=where, value=show_value(data), kind=type(data).__name__,
            rule=_("a table with keys {names}").format(names=", ".join(names))))
        return None
    known = {}
    for key, value in data.items():
        if key in names:
            known[key] = value
        else:
            prefix = f"{path}." if path else ""
            guess = difflib.get_close_matches(key, names, n=1) if isinstance(key, str) else []
            if guess:
                problems.append(_("{path}: unknown key; did you mean {guess}? allowed: {names}").format(
                    path=f"{prefix}{show_key(key)}", guess=guess[0], names=", ".join(names)))
            else:
                problems.append(_("{path}: unknown key; allowed: {names}").format(
                    path=f"{prefix}{show_key(key)}", names=", ".join(names)))
    return known


def _as_part(cls, value, path: str, problems: list[str]):
    """Accept a part given as an instance of ``cls`` or as a mapping of its fields."""
    if isinstance(value, cls):
        return value
    known = _known_keys(cls, value, path, problems)
    if known is None:
        return None
    if cls is Stages:
        parts = {}
        for name, stage_data in known.items():
            parts[name] = _as_part(StageParams, stage_data, f"{path}.{name}", problems)
        if any(p is None for p in parts.values()):
            return None
        return Stages(**parts)
    return cls(**known)


def _check_fields(obj, path: str, problems: list[str]) -> dict:
    """Check every field of ``obj`` that carries a rule; return the clean values."""
    clean = {}
    for f in dataclasses.fields(obj):
        rule = f.metadata.get("rule")
        if rule is None:
            continue
        clean[f.name] = rule.check(f"{path}.{f.name}" if path else f.name, getattr(obj, f.name), problems)
    return clean


def _check_next_stage(stage: Stage, params: StageParams, path: str, problems: list[str]):
    raw = params.next_stage
    allowed = ", ".join(s.label for s in stage.allowed_next)
    if not isinstance(raw, Mapping):
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path=f"{path}.next_stage", value=show_value(raw),
            rule=_("a table of next stage -> probability with stages from: {stages}").format(stages=allowed)))
        return MappingProxyType({})
    clean: dict[Stage, float] = {}
    for key, probability in raw.items():
        try:
            target = key if isinstance(key, Stage) else Stage.from_name(key)
        except ValueError:
            problems.append(_("{path}: unknown stage; allowed from {stage}: {stages}").format(
                path=f"{path}.next_stage.{key}", stage=stage.label, stages=allowed))
            continue
        if target not in stage.allowed_next:
            problems.append(_("{path}: {stage} cannot move to {target}; allowed: {stages}").format(
                path=f"{path}.next_stage.{target.label}", stage=stage.label, target=target.label, stages=allowed))
            continue
        value = FRACTION.check(f"{path}.next_stage.{target.label}", probability, problems)
        if value is not None:
            clean[target] = value
    if params.mean_duration_years is None:
        if raw:
            problems.append(_("{path}: given, but mean_duration_years is not, so the stage never ends; "
                              "set mean_duration_years or remove next_stage").format(path=f"{path}.next_stage"))
    elif not raw:
        problems.append(_("{path}: missing, expected probabilities of the next stages ({stages}) since "
                          "mean_duration_years is set").format(path=f"{path}.next_stage", stages=allowed))
    elif len(clean) == len(raw):
        total = sum(clean.values())
        if abs(total - 1.0) > 1e-9:
            problems.append(_("{path}: probabilities sum to {total}, expected 1").format(
                path=f"{path}.next_stage", total=f"{total:.12g}"))
    # in the stages' own order, whatever order a file lists them in: the engines draw the next stage by
    # walking this order, so the same scenario gives the same results however it was written
    return MappingProxyType(dict(sorted(clean.items())))


MAX_SPREAD = 10.0


def _check_spread(path: str, index: str, mean, sd, problems: list[str]):
    """Spend per purchase is log-normal around its average: keep its spread within reason of the mean."""
    if mean is not None and sd is not None and mean > 0 and sd > MAX_SPREAD * mean:
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path=f"{path}.order_value_sd{index}", value=f"{sd:g}",
            rule=_("at most {limit} x {field} ({mean}); with an average of 0 the spread is ignored").format(
                limit=f"{MAX_SPREAD:g}", field=f"average_order_value{index}", mean=f"{mean:g}")))


def _tenure_list(path: str, value, rule, n_years: int | None, problems: list[str],
                 funnel_stages: str | None = None) -> tuple | None:
    """One row of a table: a list with one checked value per tenure year (or per funnel stage, the stages
    named in ``funnel_stages``)."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") or not hasattr(value, "__iter__"):
        expected = (_("a list with one value per funnel stage ({rule})") if funnel_stages is not None
                    else _("a list with one value per tenure year ({rule})"))
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path=path, value=show_value(value), rule=expected.format(rule=rule.describe())))
        return None
    items = list(value)
    if not 1 <= len(items) <= MAX_HORIZON_YEARS:
        expected = (_("1 to {n} (one per funnel stage)") if funnel_stages is not None
                    else _("1 to {n} (one per tenure year)"))
        problems.append(_("{path}: got {count} values, expected {rule}").format(
            path=path, count=len(items), rule=expected.format(n=MAX_HORIZON_YEARS)))
        return None
    if n_years is not None and len(items) != n_years:
        if funnel_stages is not None:
            expected = _("{n} ({stages}), one per funnel stage").format(n=n_years, stages=funnel_stages)
        else:
            expected = _("{n} (like tenure.retention_rate), one per tenure year").format(n=n_years)
        problems.append(_("{path}: got {count} values, expected {rule}").format(
            path=path, count=len(items), rule=expected))
        return None
    checked = tuple(rule.check(f"{path}[{i}]", item, problems) for i, item in enumerate(items))
    return None if None in checked else checked


_REQUIRED_TENURE = ("retention_rate", "orders_per_year", "average_order_value", "cost_of_sales_share")
_OPTIONAL_TENURE = ("order_value_sd", "service_cost_per_year", "referral_rate", "referral_incentive")


def _check_tenure(tenure: TenureSchedule, problems: list[str]) -> TenureSchedule | None:
    rules = {f.name: f.metadata["rule"] for f in dataclasses.fields(tenure)}
    retention = tenure.retention_rate
    n_years = len(retention) if hasattr(retention, "__len__") and not isinstance(retention, (str, bytes, Mapping)) \
        and 1 <= len(retention) <= MAX_HORIZON_YEARS else None
    clean = {}
    by_margin = tenure.margin_per_customer is not None
    purchase_rows = _REQUIRED_TENURE[1:]
    if by_margin:
        given = [name for name in purchase_rows if getattr(tenure, name) not in (None, ())]
        if given:
            problems.append(_("{path}: given with {fields}; give either the margin per customer or orders_per_year, "
                              "average_order_value and cost_of_sales_share").format(
                path="tenure.margin_per_customer", fields=", ".join(given)))
        clean["margin_per_customer"] = _tenure_list("tenure.margin_per_customer", tenure.margin_per_customer,
                                                    rules["margin_per_customer"], n_years, problems)
    for name in _REQUIRED_TENURE + _OPTIONAL_TENURE:
        value = getattr(tenure, name)
        if by_margin and name in purchase_rows:
            clean[name] = (0.0,) * n_years if n_years else None  # no purchases: the margin is given
            continue
        if value is None and name in _OPTIONAL_TENURE:
            clean[name] = (0.0,) * n_years if n_years else None
            continue
        clean[name] = _tenure_list(f"tenure.{name}", value, rules[name], n_years, problems)
    others = tenure.other_costs_per_year
    clean_others = {}
    if not isinstance(others, Mapping):
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path="tenure.other_costs_per_year", value=show_value(others),
            rule=_("a table of cost name -> list of yuan per customer per year")))
    else:
        for name, values in others.items():
            if not isinstance(name, str) or not name.strip() or len(name) > 40:
                problems.append(_("{path}: cost name {name} is not allowed, expected a text of 1 to {n} characters"
                                  ).format(path="tenure.other_costs_per_year", name=show_value(name), n=40))
                continue
            checked = _tenure_list(f"tenure.other_costs_per_year.{name}", values, MONEY, n_years, problems)
            if checked is not None:
                clean_others[name] = checked
    if any(v is None for v in clean.values()):
        return None
    for year, (mean, sd) in enumerate(zip(clean["average_order_value"], clean["order_value_sd"])):
        _check_spread("tenure", f"[{year}]", mean, sd, problems)
    return TenureSchedule(**clean, other_costs_per_year=MappingProxyType(clean_others))


def _check_scenario(scenario: Scenario, problems: list[str]) -> dict:
    """Every check of a scenario, in one place. Returns the normalised fields."""
    values = _check_fields(scenario, "", problems)

    time_unit = values.get("time_unit")
    periods_per_year = PERIODS_PER_YEAR.get(time_unit or "year", 1)
    horizon_rule = Number(1, MAX_HORIZON_YEARS * periods_per_year, integer=True)
    values["horizon"] = horizon_rule.check("horizon", scenario.horizon, problems)

    parts = {}
    for name, cls in (("arrivals", Arrivals), ("stages", Stages), ("discounting", Discounting),
                      ("cross_sell", CrossSell)):
        parts[name] = _as_part(cls, getattr(scenario, name), name, problems)
    tenure = scenario.tenure
    if tenure is not None:
        tenure = _as_part(TenureSchedule, tenure, "tenure", problems)

    arrivals = parts["arrivals"]
    if arrivals is not None:
        clean = _check_fields(arrivals, "arrivals", problems)
        if clean["cohort_stage"] is not None:
            clean["cohort_stage"] = Stage.from_name(clean["cohort_stage"])
        if isinstance(arrivals.replace_lost, bool):
            clean["replace_lost"] = arrivals.replace_lost
        else:
            problems.append(_("{path}: got {value}, expected {rule}").format(
                path="arrivals.replace_lost", value=show_value(arrivals.replace_lost), rule=_("true or false")))
        if clean["cohort_size"] == 0 and clean["prospects_per_year"] == 0:
            problems.append(_("{path}: cohort_size is 0 and prospects_per_year is 0, so nobody ever enters; "
                              "set at least one of them above 0").format(path="arrivals"))
        values["arrivals"] = Arrivals(**clean)

    stages = parts["stages"]
    if stages is not None:
        clean_stages = {}
        for name in _STAGE_FIELDS:
            params = getattr(stages, name)
            path = f"stages.{name}"
            if not isinstance(params, StageParams):
                params = _as_part(StageParams, params, path, problems)
                if params is None:
                    continue
            clean = _check_fields(params, path, problems)
            _check_spread(path, "", clean["average_order_value"], clean["order_value_sd"], problems)
            clean["next_stage"] = _check_next_stage(Stage.from_name(name), params, path, problems)
            clean_stages[name] = StageParams(**clean)
            if tenure is not None and name != "prospect" and params != StageParams():
                problems.append(_("{path}: not used when a tenure table is given (converted customers follow "
                                  "tenure); remove it or remove tenure").format(path=path))
        if len(clean_stages) == len(_STAGE_FIELDS):
            values["stages"] = Stages(**clean_stages)

    if parts["discounting"] is not None:
        values["discounting"] = Discounting(**_check_fields(parts["discounting"], "discounting", problems))
    if parts["cross_sell"] is not None:
        values["cross_sell"] = CrossSell(**_check_fields(parts["cross_sell"], "cross_sell", problems))

    if tenure is not None:
        values["tenure"] = _check_tenure(tenure, problems)
    if scenario.funnel is not None:
        values["funnel"] = _check_funnel(_as_part(Funnel, scenario.funnel, "funnel", problems), stages, problems)
    return values


def _check_funnel(funnel, stages, problems: list[str]):
    if funnel is None:
        return None
    clean = {"lead_qualification": FRACTION.check("funnel.lead_qualification", funnel.lead_qualification, problems)}
    for name, count in (("win_probability", 5), ("mean_duration_years", 6)):
        rule = next(f.metadata["rule"] for f in dataclasses.fields(Funnel) if f.name == name)
        stages_named = ", ".join(FUNNEL_STAGES[6 - count:])
        clean[name] = _tenure_list(f"funnel.{name}", getattr(funnel, name), rule, count, problems,
                                   funnel_stages=stages_named)
    wins = clean["win_probability"]
    if wins is not None and any(later < earlier for earlier, later in zip(wins, wins[1:])):
        problems.append(_("{path}: got {value}, expected {rule}").format(
            path="funnel.win_probability", value=str(list(wins)),
            rule=_("chances that do not fall from one stage to the next ({stages})").format(
                stages=", ".join(FUNNEL_STAGES[1:]))))
    if stages is not None and isinstance(stages, Stages):
        prospect = stages.prospect if isinstance(stages.prospect, StageParams) else None
        if prospect is not None and (prospect.mean_duration_years is not None or prospect.next_stage):
            problems.append(_("{path}: mean_duration_years and next_stage are set by the funnel when one is given; "
                              "remove them or remove funnel").format(path="stages.prospect"))
    if None in clean.values():
        return None
    return Funnel(**clean)


def field_words() -> list[str]:
    """Every scenario field's name and every stage as words: what :func:`simkit.core.language.readable`
    shows, and the catalog translates (``tools/catalogs.py`` collects them)."""
    names = {f.name for cls in (Scenario, Arrivals, StageParams, TenureSchedule, Funnel, CrossSell, Discounting)
             for f in dataclasses.fields(cls)}
    return sorted({n.replace("_", " ") for n in names} | {s.label for s in Stage})


#: the catalog contexts of a field's texts (see :func:`field_texts`)
FIELD_DOC, FIELD_UNIT = "field doc", "field unit"


def field_texts() -> list[tuple[str, str]]:
    """Every field's meaning and unit, with its catalog context (``FIELD_DOC``, ``FIELD_UNIT``): what a slider's
    tooltip shows; ``tools/catalogs.py`` collects them."""
    texts = set()
    for cls in (Scenario, Arrivals, StageParams, TenureSchedule, Funnel, CrossSell, Discounting):
        for f in dataclasses.fields(cls):
            for context, key in ((FIELD_DOC, "doc"), (FIELD_UNIT, "unit")):
                if f.metadata.get(key):
                    texts.add((context, f.metadata[key]))
    return sorted(texts)
