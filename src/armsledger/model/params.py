"""The parameters of an edition: their names, types and defaults (the one place that lists them),
coercion of values from papermill, YAML or the command line, and the named editions in
report/editions/<name>.yml."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from armsledger import paths
from armsledger.model.certainty import TIERS
from armsledger.model.dates import EDTFError, parse_edtf
from armsledger.model.fx import CURRENCIES

EDTF_PARAMETERS = ("as_of", "period_start", "period_end")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class ParameterError(ValueError):
    """A parameter is unknown or has a value of the wrong type; the message names it."""


@dataclass(frozen=True)
class Params:
    """What an edition shows. Every notebook takes these (DESIGN §4); an edition file sets them."""

    title: str = "Latest edition"
    description: str = ""
    as_of: str = ""  # blank: everything published (the latest edition)
    currency: str = "EUR"
    min_certainty: str = "possible"
    include_disputed: bool = True
    period_start: str = "2023-01"
    period_end: str = "2028-12"
    data_dir: str = ""
    out_dir: str = ""

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            expected = bool if spec.type in ("bool", bool) else str
            if not isinstance(value, expected):
                raise ParameterError(f"parameter {spec.name}: expected {expected.__name__}, got {value!r}")
        if self.currency not in CURRENCIES:
            raise ParameterError(f"parameter currency: must be one of {', '.join(CURRENCIES)}, got {self.currency!r}")
        if self.min_certainty not in TIERS:
            raise ParameterError(f"parameter min_certainty: must be one of {', '.join(TIERS)}, "
                                 f"got {self.min_certainty!r}")
        for name in EDTF_PARAMETERS:
            value = getattr(self, name)
            if value:
                try:
                    parse_edtf(value)
                except EDTFError as exc:
                    raise ParameterError(f"parameter {name}: {exc}") from exc

    @property
    def data_path(self) -> Path:

        return Path(self.data_dir) if self.data_dir else paths.DATA

    @property
    def out_path(self) -> Path:

        return Path(self.out_dir) if self.out_dir else paths.BUILD / "scratch"

    @property
    def period_years(self) -> tuple[str, ...]:
        """Every calendar year the edition's period touches, as strings ("2023", …, "2028")."""
        start, end = parse_edtf(self.period_start), parse_edtf(self.period_end)
        first = start.earliest.year if start.earliest else 1900
        last = end.latest.year if end.latest else first
        return tuple(str(year) for year in range(first, last + 1))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: dict) -> Params:
        """Params from loosely typed values (papermill's -p, YAML): "false" is False, a YAML date
        is its ISO text; an unknown name or a value of the wrong type is an error naming it."""
        unknown = sorted(set(mapping) - set(cls.names()))
        if unknown:
            raise ParameterError(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(cls.names())}")
        return cls(**{name: _coerce(name, value) for name, value in mapping.items()})


def _coerce(name: str, value: object) -> object:
    default = next(f for f in fields(Params) if f.name == name).default
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ParameterError(f"parameter {name}: expected true or false, got {value!r}")
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and name in EDTF_PARAMETERS:
        return str(value)  # an unquoted year in YAML or on the command line
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name}: expected text, got {value!r}")
    return value


@dataclass(frozen=True)
class Edition:
    name: str
    params: Params

    @property
    def title(self) -> str:
        return self.params.title

    @property
    def description(self) -> str:
        return self.params.description


def edition_names(editions_dir: Path | None = None) -> list[str]:

    return sorted(p.stem for p in (editions_dir or paths.EDITIONS).glob("*.yml"))


def load_edition(name: str, editions_dir: Path | None = None) -> Edition:
    """An edition file holds parameters only, at its top level, so that `papermill -f` reads it too."""

    editions_dir = editions_dir or paths.EDITIONS
    path = editions_dir / f"{name}.yml"
    if not path.exists():
        raise ParameterError(f"no edition {name!r}; known: {', '.join(edition_names(editions_dir))}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(spec, dict):
        raise ParameterError(f"{path}: an edition is a mapping of parameters")
    try:
        return Edition(name=name, params=Params.from_mapping(spec))
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from exc
