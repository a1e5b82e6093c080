"""Notebook parameters and named editions (report/editions/<name>.yml)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from armsledger import paths
from armsledger.dates import parse_edtf
from armsledger.vocabulary import CERTAINTY_TIERS as TIERS
from armsledger.vocabulary import CURRENCIES


@dataclass(frozen=True)
class Params:
    """The papermill parameters every notebook takes (DESIGN §4)."""

    as_of: str = "2025-02-28"
    currency: str = "EUR"
    min_certainty: str = "possible"
    include_disputed: bool = True
    period_start: str = "2023-01"
    period_end: str = "2028-12"
    data_dir: str = ""
    out_dir: str = ""

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"currency must be one of {', '.join(CURRENCIES)}, got {self.currency!r}")
        if self.min_certainty not in TIERS:
            raise ValueError(f"min_certainty must be one of {', '.join(TIERS)}, got {self.min_certainty!r}")
        for name in ("as_of", "period_start", "period_end"):
            value = getattr(self, name)
            if value:
                parse_edtf(value)

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
    def from_mapping(cls, mapping: dict) -> Params:
        known = {f.name for f in fields(cls)}
        unknown = set(mapping) - known
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        return cls(**mapping)


@dataclass(frozen=True)
class Edition:
    name: str
    title: str
    description: str
    params: Params


def edition_names(editions_dir: Path = paths.EDITIONS) -> list[str]:
    return sorted(p.stem for p in editions_dir.glob("*.yml"))


def load_edition(name: str, editions_dir: Path = paths.EDITIONS) -> Edition:
    path = editions_dir / f"{name}.yml"
    if not path.exists():
        raise ValueError(f"no edition {name!r}; known: {', '.join(edition_names(editions_dir))}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Edition(
        name=name,
        title=spec.get("title", name),
        description=spec.get("description", ""),
        params=Params.from_mapping(spec.get("parameters", {})),
    )
