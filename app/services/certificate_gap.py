"""Which certificates would open the most openings for a facility's seekers (the course gap).

The matcher decides, as everywhere else in Qibu, whether a seeker may be recommended an
opening: this module asks it the same question twice, once with the certificates the
seeker holds and once with one more, and counts the answers that change. Only the
requirement part is asked (:func:`matching.certificates.certificate_gains`), on openings
prepared once per version of the register.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

import matching
from app.services.matching import _lock, _prepared_cache, openings_frame, reference, seekers_frame
from app.serving import freeze_rebuilt_cache
from models import Employer, Opening, Seeker, db


@dataclass(frozen=True)
class CertificateGap:
    """What holding one more certificate would change for a group of seekers.

    A (seeker, opening) pair is counted when the opening is in one of the categories the
    seeker chose in their latest survey and, with this certificate added to the seeker's
    (and nothing else changed):

    * ``blocked_pairs``: the pair fails the matcher's certificate filter today (a legally
      required certificate or, for drivers, the listed licence is missing) and would then
      pass every hard filter (certificate, shift and environment);
    * ``caveat_pairs``: the pair passes every filter today but the opening lists a
      certificate the seeker lacks (the "missing certificate" caveat) that this one
      would provide (a higher driving licence provides the lower ones).

    ``seekers`` and ``openings`` count the distinct seekers and openings in those pairs.
    ``unlocked_seekers`` and ``unlocked_openings`` count those of the blocked pairs only:
    the people for whom the certificate would add at least one opening to the openings
    they may be recommended, and the openings it would add for them (a seeker who already
    holds the certificate has no blocked pair it would open).
    """

    certificate: str
    blocked_pairs: int = 0
    caveat_pairs: int = 0
    seekers: int = 0
    openings: int = 0
    unlocked_seekers: int = 0
    unlocked_openings: int = 0

    @property
    def pairs(self) -> int:
        return self.blocked_pairs + self.caveat_pairs


def gap_openings_fingerprint() -> tuple:
    """A version of the openings the course gap counts, the same on every host: it changes
    whenever an opening is added, edited, filled or closed or an employer's status moves."""
    visible_with_place = sa.and_(
        Opening.visible_to_seekers,
        sa.or_(Opening.headcount.is_(None), Opening.filled < Opening.headcount))
    return (str(db.engine.url),) + tuple(db.session.execute(sa.select(
        sa.select(sa.func.count(Opening.id)).where(visible_with_place).scalar_subquery(),
        sa.select(sa.func.max(Opening.id)).scalar_subquery(),
        sa.select(sa.func.max(Opening.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Employer.status_changed_at)).scalar_subquery(),
    )).one())


def prepared_gap_openings(load_openings: Callable[[], list[Opening]]) -> tuple[object, int]:
    """The openings the course gap counts, prepared for the requirement part of the matcher,
    and how many there are; built once per version of the openings
    (:func:`gap_openings_fingerprint`), not per request."""
    fingerprint = gap_openings_fingerprint()
    with _lock:
        cached = _prepared_cache.get("gap_openings")
    if cached is not None and cached[0] == fingerprint:
        return cached[1], cached[2]
    openings = load_openings()
    prepared = _prepare(openings_frame(openings))
    with _lock:
        _prepared_cache["gap_openings"] = (fingerprint, prepared, len(openings))
    freeze_rebuilt_cache()
    return prepared, len(openings)


def _prepare(opening_rows: pd.DataFrame):
    taxonomy, geography = reference()
    # text features are never asked: a certificate does not change them
    return matching.prepare_openings(opening_rows, taxonomy=taxonomy, geography=geography,
                                     text=False)


def certificate_gaps(seekers: list[Seeker] | pd.DataFrame, openings: list[Opening] | object,
                     certificates: list[str] | None = None) -> dict[str, CertificateGap]:
    """Count, per certificate, the pairs it would unblock or clear of a caveat.

    Parameters
    ----------
    seekers : the seekers (surveys loaded), each one's latest survey being used, or their
        seekers frame already built (:func:`app.services.seeker_rows.load_seekers_frame`,
        without text).
    openings : the open openings to consider, or the same prepared by
        :func:`prepared_gap_openings`.
    certificates : certificate codes to try (default: every certificate of the taxonomy).
    """
    taxonomy, _geography = reference()
    codes = list(certificates) if certificates is not None else list(taxonomy.certificates)
    prepared = openings if isinstance(openings, matching.PreparedOpenings) else _prepare(
        openings_frame(openings))
    # a certificate changes no text feature
    seeker_rows = seekers if isinstance(seekers, pd.DataFrame) else seekers_frame(
        seekers, text=False)
    if not len(prepared) or seeker_rows.empty:
        return {code: CertificateGap(code) for code in codes}
    gains = matching.certificate_gains(seeker_rows, prepared, codes)
    return {code: CertificateGap(code, **{k: int(v) for k, v in gains.loc[code].items()})
            for code in codes}


__all__ = ["CertificateGap", "certificate_gaps", "gap_openings_fingerprint",
           "prepared_gap_openings"]
